"""Parameter-free learning rates: extremal's GradNormLR against Prodigy, on six small CPU tasks.

Every task is trained at two batch sizes by each method at its defaults (no per-task
setting), and by AdamW over a small learning-rate grid (warm-up plus cosine) as the tuned
reference. For each method and task the table gives the median over 3 seeds of the steps
to the task's target (the full training loss, checked every 5 steps; "never" when the
budget ran out first) and of the final training loss.

Tasks (all built in, nothing is downloaded):

- ``logreg``: L2-regularised logistic regression on scikit-learn's breast-cancer data
  (convex; the target is a gap of 5e-3 above the optimum found by L-BFGS);
- ``mlp``: the MLP 64-128-128-10 (ReLU) on scikit-learn's digits;
- ``cnn``: a two-convolution CNN (conv weights of shape (16, 1, 3, 3) and (32, 16, 3, 3))
  on the digits as 8x8 images;
- ``char_lm``: a one-layer causal transformer (width 48, 4 heads) predicting the next
  character of the source of Python's ``argparse`` module;
- ``tabular``: an MLP 10-64-64-1 regressing Friedman's function #1 (noise 0.3, target
  standardised) from its ten features;
- ``autoencoder``: an MLP autoencoder 64-32-8-32-64 (tanh) reconstructing the digits.

Run ``python benchmarks/bench_parameter_free.py`` (about 10 minutes on one core) or with
``--quick`` (one seed, the AdamW grid cut to one rate, shorter budgets; under 2 minutes).
``--only`` picks tasks, ``--methods`` picks methods by the start of their names.
"""

from __future__ import annotations

import argparse
import inspect
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import _common

torch.set_num_threads(1)

EVERY = 5  # steps between two checks of the target


@dataclass(frozen=True)
class Task:
    """A training problem: model factory, minibatch loss, full training loss, target, step budget."""

    name: str
    describe: str
    make_model: Callable[[int], torch.nn.Module]
    batch_loss: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]  # (model, indices) -> loss
    full_loss: Callable[[torch.nn.Module], float]
    size: int
    batches: tuple[int, int]
    target: float
    steps: int


# ------------------------------------------------------------------------------- tasks


def _standardise(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(0)) / (x.std(0) + 1e-8)


def logreg_task() -> Task:
    from sklearn.datasets import load_breast_cancer

    x_np, y_np = load_breast_cancer(return_X_y=True)
    x = torch.tensor(_standardise(x_np), dtype=torch.float32)
    y = torch.tensor(y_np, dtype=torch.float32)
    lam = 1e-3

    def loss_of(model, xb, yb):
        w = model.weight
        return (torch.nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
                + 0.5 * lam * (w.square().sum() + model.bias.square().sum()))

    def make_model(seed):
        torch.manual_seed(seed)
        model = torch.nn.Linear(x.shape[1], 1)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        return model

    model = make_model(0)
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=1000, tolerance_grad=1e-12,
                              tolerance_change=0, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        value = loss_of(model, x, y)
        value.backward()
        return value

    lbfgs.step(closure)
    with torch.no_grad():
        best = float(loss_of(model, x, y))
    return Task("logreg", f"logistic regression, breast cancer (569 x 30), L2 1e-3, optimum {best:.5f}",
                make_model, lambda m, idx: loss_of(m, x[idx], y[idx]), lambda m: float(loss_of(m, x, y)),
                len(x), (32, 256), best + 5e-3, 400)


def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    x_np, y_np = load_digits(return_X_y=True)
    return torch.tensor(x_np / 16.0, dtype=torch.float32), torch.tensor(y_np)


def mlp_task() -> Task:
    x, y = _digits()

    def make_model(seed):
        torch.manual_seed(seed)
        return torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                                   torch.nn.ReLU(), torch.nn.Linear(128, 10))

    def ce(m, xb, yb):
        return torch.nn.functional.cross_entropy(m(xb), yb)

    return Task("mlp", "MLP 64-128-128-10 (ReLU), digits (1797 x 64), cross-entropy", make_model,
                lambda m, idx: ce(m, x[idx], y[idx]), lambda m: float(ce(m, x, y)), len(x), (32, 128), 0.05, 400)


def cnn_task() -> Task:
    x, y = _digits()
    images = x.view(-1, 1, 8, 8)

    def make_model(seed):
        torch.manual_seed(seed)
        return torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Flatten(), torch.nn.Linear(32 * 16, 10),
        )

    def ce(m, xb, yb):
        return torch.nn.functional.cross_entropy(m(xb), yb)

    return Task("cnn", "CNN conv16-conv32/2-linear on digits as 8x8 images, cross-entropy", make_model,
                lambda m, idx: ce(m, images[idx], y[idx]), lambda m: float(ce(m, images, y)), len(x), (32, 128),
                0.05, 400)


class TinyTransformer(torch.nn.Module):
    """One pre-norm causal transformer block over characters (width 48, 4 heads)."""

    def __init__(self, vocab: int, seq: int, width: int = 48, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.embed = torch.nn.Embedding(vocab, width)
        self.position = torch.nn.Embedding(seq, width)
        self.norm1 = torch.nn.LayerNorm(width)
        self.qkv = torch.nn.Linear(width, 3 * width, bias=False)
        self.proj = torch.nn.Linear(width, width, bias=False)
        self.norm2 = torch.nn.LayerNorm(width)
        self.up = torch.nn.Linear(width, 4 * width, bias=False)
        self.down = torch.nn.Linear(4 * width, width, bias=False)
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        batch, seq = idx.shape
        x = self.embed(idx) + self.position.weight[:seq]
        q, k, v = self.qkv(self.norm1(x)).view(batch, seq, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attn.transpose(1, 2).reshape(batch, seq, -1))
        x = x + self.down(torch.nn.functional.gelu(self.up(self.norm2(x))))
        return self.head(self.norm(x))


def char_lm_task() -> Task:
    text = inspect.getsource(argparse)
    chars = sorted(set(text))
    codes = torch.tensor([chars.index(c) for c in text])
    vocab, seq = len(chars), 32
    starts = torch.arange(0, len(codes) - seq - 1, seq)
    inputs = torch.stack([codes[s:s + seq] for s in starts])
    targets = torch.stack([codes[s + 1:s + seq + 1] for s in starts])
    fixed = torch.arange(0, len(starts), max(1, len(starts) // 128))[:128]

    def ce(m, idx):
        return torch.nn.functional.cross_entropy(m(inputs[idx]).reshape(-1, vocab), targets[idx].reshape(-1))

    def make_model(seed):
        torch.manual_seed(seed)
        return TinyTransformer(vocab, seq)

    return Task("char_lm", f"transformer LM (1 layer, width 48), argparse.py source ({len(text)} chars, "
                f"vocab {vocab}), seq {seq}", make_model, ce, lambda m: float(ce(m, fixed)), len(starts), (8, 32),
                2.0, 400)


def tabular_task() -> Task:
    from sklearn.datasets import make_friedman1

    x_np, y_np = make_friedman1(n_samples=1000, n_features=10, noise=0.3, random_state=0)
    x = torch.tensor(_standardise(x_np), dtype=torch.float32)
    y = torch.tensor((y_np - y_np.mean()) / y_np.std(), dtype=torch.float32)

    def make_model(seed):
        torch.manual_seed(seed)
        return torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                   torch.nn.ReLU(), torch.nn.Linear(64, 1))

    def mse(m, xb, yb):
        return torch.nn.functional.mse_loss(m(xb).squeeze(1), yb)

    return Task("tabular", "MLP 10-64-64-1 regression, Friedman #1 (1000 x 10, noise 0.3), MSE of the "
                "standardised target", make_model, lambda m, idx: mse(m, x[idx], y[idx]),
                lambda m: float(mse(m, x, y)), len(x), (32, 256), 0.03, 400)


def autoencoder_task() -> Task:
    x, _ = _digits()

    def make_model(seed):
        torch.manual_seed(seed)
        return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 8),
                                   torch.nn.Tanh(), torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 64))

    def mse(m, xb):
        return torch.nn.functional.mse_loss(m(xb), xb)

    return Task("autoencoder", "autoencoder 64-32-8-32-64 (tanh), digits, MSE", make_model,
                lambda m, idx: mse(m, x[idx]), lambda m: float(mse(m, x)), len(x), (32, 128), 0.03, 400)


TASKS = {"logreg": logreg_task, "mlp": mlp_task, "cnn": cnn_task, "char_lm": char_lm_task,
         "tabular": tabular_task, "autoencoder": autoencoder_task}

# ------------------------------------------------------------------------------ methods

Factory = Callable[[torch.nn.Module, int], tuple[torch.optim.Optimizer, object]]


def pf_sgd(model, steps):
    from extremal.optim import AdaGradNorm, GradNormLR

    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)
    return opt, GradNormLR(opt, AdaGradNorm())


def pf_adamw(model, steps):
    from extremal.optim import AdaGradNorm, GradNormLR

    opt = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
    return opt, GradNormLR(opt, AdaGradNorm())


def prodigy(model, steps):
    import prodigyopt

    return prodigyopt.Prodigy(model.parameters(), lr=1.0, weight_decay=0.0), None


def adamw(lr):
    def make(model, steps):
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
        return opt, _common.sched_warmup_cosine(opt, steps)

    return make


PF_SGD = "ours: GradNormLR parameter-free, SGD (defaults)"
PF_ADAMW = "ours: GradNormLR parameter-free, AdamW (defaults)"
PRODIGY = "Prodigy (defaults)"
ADAMW = "AdamW, warm-up + cosine (best of grid)"


def methods(quick: bool) -> dict[str, list[tuple[str, Factory]]]:
    """name -> list of (setting, factory); a list of one is an untuned method."""
    out: dict[str, list[tuple[str, Factory]]] = {PF_ADAMW: [("defaults", pf_adamw)], PF_SGD: [("defaults", pf_sgd)]}
    if _common.optional("prodigyopt") is not None:
        out[PRODIGY] = [("defaults", prodigy)]
    grid = [3e-3] if quick else [1e-3, 3e-3, 1e-2]
    out[ADAMW] = [(f"lr={lr:g}", adamw(lr)) for lr in grid]
    return out


# ------------------------------------------------------------------------------- runs


def run(task: Task, factory: Factory, batch: int, seed: int, steps: int) -> dict[str, float]:
    """Train once; steps to the target (inf if never) and the final full training loss."""
    model = task.make_model(seed)
    opt, sched = factory(model, steps)
    gen = torch.Generator().manual_seed(1000 + seed)
    reached = math.inf
    for step in range(1, steps + 1):
        idx = torch.randint(0, task.size, (batch,), generator=gen)
        opt.zero_grad()
        loss = task.batch_loss(model, idx)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        if not math.isfinite(float(loss.detach())):
            return {"reach": reached, "loss": math.inf}
        if reached == math.inf and step % EVERY == 0:
            with torch.no_grad():
                if task.full_loss(model) <= task.target:
                    reached = step
    with torch.no_grad():
        final = task.full_loss(model)
    return {"reach": reached, "loss": final if math.isfinite(final) else math.inf}


def medians(results: list[dict[str, float]]) -> tuple[float, float]:
    return (statistics.median(r["reach"] for r in results), statistics.median(r["loss"] for r in results))


def fmt_loss(value: float) -> str:
    return "diverged" if value == math.inf else f"{value:.4g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, one AdamW rate, half the steps")
    parser.add_argument("--only", default=",".join(TASKS), help="comma-separated tasks: " + ", ".join(TASKS))
    parser.add_argument("--methods", default="", help="comma-separated starts of method names (default: all)")
    args = parser.parse_args()
    seeds = [0] if args.quick else [0, 1, 2]
    _common.header(["torch", "numpy", "sklearn"], ["prodigyopt"])
    print(f"# seeds {seeds}; the target is checked every {EVERY} steps on the full training set"
          + ("; quick mode: half the step budget" if args.quick else ""))
    table_methods = methods(args.quick)
    if args.methods:
        wanted = [w.strip() for w in args.methods.split(",")]
        table_methods = {k: v for k, v in table_methods.items() if any(k.startswith(w) for w in wanted)}
    rows = []
    start = time.perf_counter()
    for name in args.only.split(","):
        task = TASKS[name]()
        steps = task.steps // 2 if args.quick else task.steps
        print(f"# {task.name}: {task.describe}; target {task.target:.5g}; {steps} steps")
        for batch in task.batches:
            best_prodigy = None
            for method, settings in table_methods.items():
                scored = []
                for setting, factory in settings:
                    results = [run(task, factory, batch, seed, steps) for seed in seeds]
                    scored.append((medians(results), setting))
                (reach, loss), setting = min(scored, key=lambda s: (s[0][0], s[0][1]))
                if method == PRODIGY:
                    best_prodigy = reach
                rows.append([task.name, str(batch), method + ("" if len(settings) == 1 else f" [{setting}]"),
                             _common.fmt_steps(reach), fmt_loss(loss), reach])
            for row in rows:
                if row[0] == task.name and row[1] == str(batch) and row[2].startswith("ours") \
                        and best_prodigy is not None:
                    row.append("LOSES" if row[5] > best_prodigy else "")
    _common.table("steps to target and final training loss, medians over seeds (ours against Prodigy)",
                  ["task", "batch", "method", "steps to target", "final loss", "vs Prodigy"],
                  [[*r[:5], r[6] if len(r) > 6 else ""] for r in rows])
    print(f"\n# total {time.perf_counter() - start:.0f} s")
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
