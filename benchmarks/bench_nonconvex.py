"""Parameter-free learning rates on non-convex problems: an MLP on digits and a character transformer.

(b1) An MLP 64-256-256-10 on digits (pixels standardised, 1400 train / 397 test, batch 128,
400 steps) and (b2) a character-level transformer language model (2 pre-norm layers, width
64, 4 heads, context 64, batch 16, 300 steps) on the source of Python's ``argparse`` module,
at equal step budgets. Reports, per method, the medians over the seeds of: the final train
loss (on the whole training set for (b1), on a fixed set of 64 training windows for (b2));
test accuracy / held-out loss; and the steps to one target train loss for every method
(0.01 for (b1); 1.7 nats per character for (b2), about where the best tuned AdamW ends),
checked every 10 steps on the same training data; "never" when the median run does not
reach it. The table shows each tuned method at the learning rate with the lowest median
final train loss; the line under it, from the same runs, the fewest median steps to the
target over each grid, with the rate that gives them. (b1) takes the final loss in float64
from the float32 logits; a 0 there means every logit margin exceeds ~37, so the loss is
below float64 resolution.

The language model is a transformer rather than a recurrent net because that is the
architecture Muon practice is stated for: matrices of the blocks on the Muon step, with the
fused query-key-value weight orthogonalised per block (``split=3``), and the embeddings, the
head and the gains on AdamW.

Tuned baselines pick their best learning rate on a grid of 4: SGD with momentum 0.9,
constant then linear decay to zero over the second half; AdamW, extremal's Muon and
``torch.optim.Muon`` (with AdamW for the same parameters as ours) all with one grid and one
schedule, 5% linear warmup then cosine to zero, no weight decay. With the AdamW-RMS scale a
Muon rate is an AdamW rate, for both of its paths, so Muon is tuned exactly as much as
AdamW. "Ours" are :class:`extremal.optim.GradNormLR` in the parameter-free mode (untuned;
the default is SGD with momentum 0.5 and multiplier 0.5, so the momentum average has total
weight 1 and the step is the rule's rate; plain SGD and momentum 0.9 with multiplier 0.1 are
shown next to it) and the refined schedule (eq:last-2-opt-lr) retrained from the recorded
run of the default (same seed, G_t² smoothed over 21 steps), once with the article's formula
and once with ``cap=1`` (rates bounded by the recorded run's AdaGrad-norm rate
``R/sqrt(V_t)``). Prodigy, DoG and schedule-free AdamW run untuned when installed. Each
section ends with the parameter-free default against the best tuned method (the goal:
within 10% of its final loss).

Run: ``python benchmarks/bench_nonconvex.py [--quick] [--only b1,b2]``.
"""

from __future__ import annotations

import argparse
import inspect
import math

import numpy as np
import torch

import _common
from extremal.optim import refined

torch.set_num_threads(1)


def nonconvex_table(run_one, seeds, steps, acc_name, reach_name, grid_sgd, grid_adaptive) -> None:
    median_of, fmt_steps = _common.median_of, _common.fmt_steps
    rows = []
    finals: dict[str, float] = {}
    records = []
    fastest: dict[str, tuple[str, float]] = {}
    for name, family in _common.methods(grid_sgd, grid_adaptive).items():
        record = name == _common.PF_DEFAULT
        grid = _common.run_grid(family, run_one, seeds, record=record)
        setting, results = _common.pick(grid, "loss")
        if record:
            records = [r.get("rec") for r in results]
        rows.append(row(name, setting, results))
        finals[name] = median_of(results, "loss")
        quickest, quickest_results = _common.pick(grid, "reach")
        fastest[name] = (quickest, median_of(quickest_results, "reach"))
    for name, cap in _common.REFINED.items():
        results = []
        for seed, rec in zip(seeds, records, strict=True):
            if rec is None:
                results.append({"error": "no record"})
                continue
            sq = np.convolve(np.pad(rec.norms**2, 10, mode="edge"), np.ones(21) / 21, "valid")
            rates = refined(np.sqrt(sq), rec.max_distance, cap=cap)
            results.append(run_one(_common.pf_sgd, _common.retrain_with(rates), seed))
        rows.append(row(name, "untuned, G² smoothed over 21 steps", results))
    _common.table(f"equal budget of {steps} steps (medians over seeds)",
                  ["method", "setting", "train loss", acc_name, reach_name, "s/run"], rows)
    tuned = [n for n in finals if "(tuned)" in n]
    print(f"fewest {reach_name} over each grid (rate tuned for it, median over seeds): "
          + "; ".join(f"{n.split(',')[0]} {fmt_steps(fastest[n][1])}"
                      + (f" ({fastest[n][0]})" if fastest[n][1] < math.inf else "") for n in tuned))
    best_name = min(tuned, key=lambda n: finals[n])
    best, best_sgd, pf = finals[best_name], finals[tuned[0]], finals[_common.PF_DEFAULT]
    verdict = "yes" if pf <= 1.1 * best else "no"
    print(f"parameter-free default: final train loss {pf:.4g}; best tuned {best:.4g} "
          f"({best_name}), ratio {_common.ratio(pf, best)}, within 10%: {verdict}; "
          f"tuned SGD {best_sgd:.4g}, ratio {_common.ratio(pf, best_sgd)}")


def row(name, setting, results):
    median_of = _common.median_of
    reach = median_of(results, "reach")
    return [name, setting, f"{median_of(results, 'loss'):.4g}", f"{median_of(results, 'acc'):.4f}",
            _common.fmt_steps(reach) if not math.isnan(reach) else "-",
            f"{median_of(results, 'time'):.2f}"]


# ---------------------------------------------------------------- (b1) MLP on digits


def mlp_benchmark(quick: bool) -> None:
    steps = 150 if quick else 400
    seeds = [0] if quick else [0, 1, 2]
    x, y = _common.digits()
    perm = np.random.default_rng(0).permutation(len(x))
    x, y = x[perm], y[perm]
    xt = torch.tensor(x[:1400], dtype=torch.float32)
    yt = torch.tensor(y[:1400])
    xv = torch.tensor(x[1400:], dtype=torch.float32)
    yv = torch.tensor(y[1400:])
    print(f"\n(b1) MLP 64-256-256-10 on digits, batch 128, {steps} steps, float32, "
          f"seeds {seeds}, 1400 train / {len(xv)} test, target train loss 0.01")

    def batch_loss(model, gen):
        idx = torch.randint(0, len(xt), (128,), generator=gen)
        return torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])

    def run_one(make_opt, make_sched, seed, record=False):
        return _common.train_run(
            _common.digits_mlp(seed), make_opt, make_sched, seed, steps, batch_loss,
            monitor=lambda model: float(torch.nn.functional.cross_entropy(model(xt), yt)),
            final=lambda model: float(torch.nn.functional.cross_entropy(model(xt).double(), yt)),
            second=lambda model: float((model(xv).argmax(1) == yv).float().mean()),
            target=0.01, record=record,
        )

    nonconvex_table(run_one, seeds, steps, "test acc", "steps to loss 0.01",
                    [0.1, 0.3] if quick else [0.03, 0.1, 0.3, 1.0],
                    [3e-3, 3e-2] if quick else [3e-3, 1e-2, 3e-2, 1e-1])


# ------------------------------------------------------ (b2) character transformer LM


class CharTransformer(torch.nn.Module):
    """A two-layer pre-norm causal transformer over characters (width 64, 4 heads).

    The query, key and value projections are one ``Linear(d, 3d)`` per block, the fused
    weight :meth:`fused` reports for Muon's block-wise orthogonalisation.
    """

    def __init__(self, vocab: int, seq: int, width: int = 64, depth: int = 2, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.embed = torch.nn.Embedding(vocab, width)
        self.position = torch.nn.Embedding(seq, width)
        self.blocks = torch.nn.ModuleList()
        for _ in range(depth):
            block = torch.nn.ModuleDict({
                "norm1": torch.nn.LayerNorm(width),
                "qkv": torch.nn.Linear(width, 3 * width, bias=False),
                "proj": torch.nn.Linear(width, width, bias=False),
                "norm2": torch.nn.LayerNorm(width),
                "up": torch.nn.Linear(width, 4 * width, bias=False),
                "down": torch.nn.Linear(4 * width, width, bias=False),
            })
            self.blocks.append(block)
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab)

    def fused(self) -> dict[torch.Tensor, int]:
        return {block["qkv"].weight: 3 for block in self.blocks}

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        batch, seq = idx.shape
        x = self.embed(idx) + self.position.weight[:seq]
        for block in self.blocks:
            qkv = block["qkv"](block["norm1"](x)).view(batch, seq, 3, self.heads, -1)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            attn = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + block["proj"](attn.transpose(1, 2).reshape(batch, seq, -1))
            x = x + block["down"](torch.nn.functional.gelu(block["up"](block["norm2"](x))))
        return self.head(self.norm(x))


LM_TARGET = 1.7


def char_lm_benchmark(quick: bool) -> None:
    steps = 100 if quick else 300
    seeds = [0] if quick else [0, 1, 2]
    text = inspect.getsource(argparse)
    chars = sorted(set(text))
    codes = torch.tensor([chars.index(c) for c in text])
    split = int(0.9 * len(codes))
    train, held = codes[:split], codes[split:]
    vocab, seq, batch = len(chars), 64, 16
    print(f"\n(b2) character transformer LM (2 layers, width 64, 4 heads) on argparse.py source "
          f"({len(text)} chars, vocab {vocab}), seq {seq}, batch {batch}, {steps} steps, "
          f"seeds {seeds}, target train loss {LM_TARGET}")

    def windows(data, starts):
        return (torch.stack([data[s:s + seq] for s in starts]),
                torch.stack([data[s + 1:s + seq + 1] for s in starts]))

    train_fixed = windows(train, torch.arange(0, 64 * 1301, 1301))
    held_fixed = windows(held, torch.arange(0, len(held) - seq - 1, seq)[:64])

    def evaluate(model, data):
        inp, tgt = data
        with torch.no_grad():
            return float(torch.nn.functional.cross_entropy(model(inp).reshape(-1, vocab),
                                                            tgt.reshape(-1)))

    def batch_loss(model, gen):
        inp, tgt = windows(train, torch.randint(0, len(train) - seq - 1, (batch,), generator=gen))
        return torch.nn.functional.cross_entropy(model(inp).reshape(-1, vocab), tgt.reshape(-1))

    def run_one(make_opt, make_sched, seed, record=False):
        torch.manual_seed(seed)
        return _common.train_run(
            CharTransformer(vocab, seq), make_opt, make_sched, seed, steps, batch_loss,
            monitor=lambda model: evaluate(model, train_fixed), final=lambda model: evaluate(model, train_fixed),
            second=lambda model: evaluate(model, held_fixed), target=LM_TARGET, record=record,
        )

    nonconvex_table(run_one, seeds, steps, "held-out loss", f"steps to train loss {LM_TARGET}",
                    [0.1, 0.3] if quick else [0.03, 0.1, 0.3, 1.0],
                    [3e-3, 3e-2] if quick else [3e-3, 1e-2, 3e-2, 1e-1])


SECTIONS = {"b1": mlp_benchmark, "b2": char_lm_benchmark}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, one seed, grids of 2 (CI)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections to run: " + ", ".join(SECTIONS))
    args = parser.parse_args()
    chosen = args.only.split(",")
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    _common.header(["torch", "extremal", "sklearn"], _common.OPTIONAL_OPTIMIZERS,
                   threads=f"torch threads {torch.get_num_threads()}")
    for key in chosen:
        SECTIONS[key](args.quick)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
