"""Learning rates from gradient norms against tuned schedules, on CPU.

(a) L2-regularised multinomial logistic regression on scikit-learn's digits (float64,
full batch, 500 steps); the optimum comes from L-BFGS polished by Newton steps. Reports the
final suboptimality f(θ_T) - f*, median over seeds (random initial points).
(b) An MLP 64-256-256-10 on digits (batch 128) and a character-level GRU language model on
the source of Python's ``argparse`` module, at equal step budgets; reports final train
loss, test accuracy / held-out loss and steps to a target loss, medians over seeds.

Tuned baselines pick their best learning rate on a small grid (by the median over seeds).
"Ours" are :class:`extremal.optim.GradNormLR` in the parameter-free mode (untuned) and the
refined schedule (eq:last-2-opt-lr) retrained from a recorded parameter-free run. Prodigy,
DoG and schedule-free AdamW run untuned when installed; extremal's Muon and torch's Muon
run when present.

Run: ``python benchmarks/bench_optim.py [--quick]``.
"""

from __future__ import annotations

import argparse
import inspect
import math
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

import extremal
from extremal.optim import AdaGradNorm, GradNormLR, GradNormRecorder, refined

torch.set_num_threads(1)


def optional(module: str):
    try:
        return __import__(module)
    except ImportError:
        return None


dog = optional("dog")
prodigyopt = optional("prodigyopt")
schedulefree = optional("schedulefree")
try:
    from extremal.optim import Muon as ExtremalMuon
except ImportError:
    ExtremalMuon = None
TorchMuon = getattr(torch.optim, "Muon", None)


def header() -> None:
    import sklearn

    print(f"python {platform.python_version()}  torch {torch.__version__}  "
          f"extremal {extremal.__version__}  scikit-learn {sklearn.__version__}")
    extras = [f"{m.__name__} {getattr(m, '__version__', '')}".strip()
              for m in (dog, prodigyopt, schedulefree) if m is not None]
    print("optional: " + (", ".join(extras) or "none"))
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{platform.system()} {platform.release()}, torch threads {torch.get_num_threads()}")


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)))


def sched_none(opt, steps):
    return None


def sched_linear(opt, steps):
    return torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.0, steps)


def sched_cosine(opt, steps):
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)


def sched_pf(opt, steps):
    return GradNormLR(opt, AdaGradNorm())


Maker = Callable[[list], torch.optim.Optimizer]


def methods(grid_sgd, grid_adamw, grid_muon) -> dict[str, list[tuple[str, Maker, Callable]]]:
    """name -> list of (setting, optimizer factory, scheduler factory); one entry = untuned."""
    out: dict[str, list] = {
        "SGD+mom, constant (tuned)": [
            (f"lr={lr:g}", lambda p, lr=lr: torch.optim.SGD(p, lr=lr, momentum=0.9), sched_none)
            for lr in grid_sgd
        ],
        "SGD+mom, linear decay (tuned)": [
            (f"lr={lr:g}", lambda p, lr=lr: torch.optim.SGD(p, lr=lr, momentum=0.9), sched_linear)
            for lr in grid_sgd
        ],
        "AdamW, cosine (tuned)": [
            (f"lr={lr:g}", lambda p, lr=lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.0),
             sched_cosine)
            for lr in grid_adamw
        ],
        "ours: parameter-free SGD": [
            ("untuned", lambda p: torch.optim.SGD(p, lr=1.0), sched_pf)
        ],
        "ours: parameter-free SGD+mom 0.5": [
            ("untuned", lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.5), sched_pf)
        ],
    }
    if prodigyopt is not None:
        out["Prodigy"] = [("untuned", lambda p: prodigyopt.Prodigy(p, lr=1.0), sched_none)]
    if dog is not None:
        out["DoG"] = [("untuned", lambda p: dog.DoG(p), sched_none)]
    if schedulefree is not None:
        out["schedule-free AdamW"] = [
            ("untuned", lambda p: schedulefree.AdamWScheduleFree(p), sched_none)
        ]
    if ExtremalMuon is not None:
        out["extremal Muon (tuned)"] = [
            (f"lr={lr:g}", lambda p, lr=lr: ExtremalMuon(p, lr=lr), sched_linear)
            for lr in grid_muon
        ]
    if TorchMuon is not None:
        out["torch Muon (tuned)"] = [
            (f"lr={lr:g}", lambda p, lr=lr: TorchMuon(p, lr=lr, weight_decay=0.0), sched_linear)
            for lr in grid_muon
        ]
    return out


def run_family(family, run_one, seeds, score):
    """Best setting of a family by the median score over seeds; returns (setting, results)."""
    best = None
    for setting, make_opt, make_sched in family:
        results = []
        for seed in seeds:
            try:
                results.append(run_one(make_opt, make_sched, seed))
            except Exception as exc:
                results.append({"error": type(exc).__name__})
        ok = [r for r in results if "error" not in r]
        key = statistics.median(score(r) for r in ok) if len(ok) == len(results) else math.inf
        if best is None or key < best[0]:
            best = (key, setting, results)
    return best[1], best[2]


def median_of(results, key) -> float:
    values = [r[key] for r in results if "error" not in r]
    return statistics.median(values) if values else math.nan


# ------------------------------------------------------------------------- (a) convex


def digits(standardise: bool = True):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    if standardise:
        x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    return x, y


def logistic_problem(lam: float):
    x, y = digits()
    x = np.hstack([x, np.ones((len(x), 1))])
    xt = torch.tensor(x, dtype=torch.float64)
    yt = torch.tensor(y)
    shape = (x.shape[1], 10)

    def loss(w):
        return torch.nn.functional.cross_entropy(xt @ w, yt) + 0.5 * lam * w.square().sum()

    from scipy.optimize import minimize

    def fun(v):
        w = torch.tensor(v.reshape(shape), requires_grad=True)
        value = loss(w)
        value.backward()
        return float(value.detach()), w.grad.numpy().ravel().copy()

    res = minimize(fun, np.zeros(np.prod(shape)), jac=True, method="L-BFGS-B",
                   options={"maxiter": 20000, "gtol": 1e-13, "ftol": 1e-16, "maxcor": 50})
    w = torch.tensor(res.x, dtype=torch.float64)
    for _ in range(3):
        hess = torch.autograd.functional.hessian(lambda v: loss(v.reshape(shape)), w)
        grad = torch.func.grad(lambda v: loss(v.reshape(shape)))(w)
        w = w - torch.linalg.solve(hess, grad)
    with torch.no_grad():
        fstar = float(loss(w.reshape(shape)))
        gnorm = float(torch.linalg.vector_norm(torch.func.grad(lambda v: loss(v.reshape(shape)))(w)))
    return loss, shape, fstar, gnorm, float(torch.linalg.vector_norm(w))


def convex_benchmark(quick: bool) -> None:
    lam = 1e-3
    steps = 200 if quick else 500
    seeds = [0] if quick else [0, 1, 2]
    loss, shape, fstar, gnorm, radius = logistic_problem(lam)
    print(f"\n(a) logistic regression on digits, λ = {lam:g}, {steps} full-batch steps, "
          f"float64, seeds {seeds}; f* = {fstar:.15f} (‖∇f‖ = {gnorm:.1e} after Newton), "
          f"‖θ*‖ = {radius:.3f}")

    def run_one(make_opt, make_sched, seed, record=False):
        gen = torch.Generator().manual_seed(seed)
        w = torch.nn.Parameter(0.01 * torch.randn(shape, generator=gen, dtype=torch.float64))
        opt = make_opt([w])
        sched = make_sched(opt, steps)
        rec = GradNormRecorder(opt) if record else None
        is_sf = hasattr(opt, "train") and hasattr(opt, "eval")
        if is_sf:
            opt.train()
        start = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss(w).backward()
            opt.step()
            if sched is not None:
                sched.step()
        if is_sf:
            opt.eval()
        with torch.no_grad():
            gap = float(loss(w)) - fstar
        out = {"gap": gap if math.isfinite(gap) else math.inf,
               "time": time.perf_counter() - start}
        if record:
            out["rec"] = rec
        return out

    families = methods([0.3, 1.0, 3.0, 10.0], [1e-3, 1e-2, 3e-2, 1e-1], [0.01, 0.03, 0.1])

    def refined_run(make_opt, make_sched, seed):
        first = run_one(lambda p: torch.optim.SGD(p, lr=1.0), sched_pf, seed, record=True)
        rec = first["rec"]
        rates = refined(np.maximum(rec.norms, 1e-300), rec.max_distance)
        return run_one(
            lambda p: torch.optim.SGD(p, lr=1.0),
            lambda o, s: torch.optim.lr_scheduler.LambdaLR(o, lambda k: rates[min(k, s - 1)]),
            seed,
        )

    families["ours: refined (record, refine, retrain)"] = [("untuned", None, None)]
    rows = []
    best_tuned = math.inf
    for name, family in families.items():
        if name.startswith("ours: refined"):
            results = [refined_run(None, None, s) for s in seeds]
            setting = "untuned"
        else:
            setting, results = run_family(family, run_one, seeds, lambda r: r["gap"])
        gap = median_of(results, "gap")
        if "tuned)" in name:
            best_tuned = min(best_tuned, gap)
        rows.append([name, setting, f"{gap:.2e}", f"{median_of(results, 'time'):.2f}"])
    table("suboptimality f(θ_T) - f*; gaps below ~1e-15 are float64 round-off",
          ["method", "setting", "median gap", "s/run"], rows)
    for name, _, gap, _ in rows:
        if name.startswith("ours: parameter-free"):
            value = float(gap)
            verdict = "yes" if value <= 1.1 * best_tuned or value < 1e-14 else "no"
            print(f"{name}: within 10% of the best tuned gap {best_tuned:.2e} "
                  f"(or at round-off): {verdict}")


# --------------------------------------------------------------------- (b) non-convex


def mlp_benchmark(quick: bool) -> None:
    steps = 150 if quick else 400
    seeds = [0] if quick else [0, 1, 2]
    x, y = digits()
    perm = np.random.default_rng(0).permutation(len(x))
    x, y = x[perm], y[perm]
    xt = torch.tensor(x[:1400], dtype=torch.float32)
    yt = torch.tensor(y[:1400])
    xv = torch.tensor(x[1400:], dtype=torch.float32)
    yv = torch.tensor(y[1400:])
    print(f"\n(b1) MLP 64-256-256-10 on digits, batch 128, {steps} steps, float32, "
          f"seeds {seeds}, 1400 train / {len(xv)} test")

    def run_one(make_opt, make_sched, seed, record=False):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(64, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 10),
        )
        opt = make_opt(list(model.parameters()))
        sched = make_sched(opt, steps)
        rec = GradNormRecorder(opt) if record else None
        is_sf = hasattr(opt, "train") and hasattr(opt, "eval")
        if is_sf:
            opt.train()
        gen = torch.Generator().manual_seed(seed)
        reached = None
        start = time.perf_counter()
        for step in range(steps):
            idx = torch.randint(0, len(xt), (128,), generator=gen)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            if reached is None and step % 10 == 9:
                with torch.no_grad():
                    if is_sf:
                        opt.eval()
                    full = float(torch.nn.functional.cross_entropy(model(xt), yt))
                    if is_sf:
                        opt.train()
                if full < 0.01:
                    reached = step + 1
        if is_sf:
            opt.eval()
        with torch.no_grad():
            train_loss = float(torch.nn.functional.cross_entropy(model(xt), yt))
            acc = float((model(xv).argmax(1) == yv).float().mean())
        out = {"loss": train_loss if math.isfinite(train_loss) else math.inf, "acc": acc,
               "reach": reached if reached is not None else math.inf,
               "time": time.perf_counter() - start}
        if record:
            out["rec"] = rec
        return out

    nonconvex_table(run_one, seeds, steps, "train loss", "test acc", "steps to loss 0.01",
                    [0.03, 0.1, 0.3], [1e-3, 3e-3, 1e-2], [0.01, 0.03, 0.1])


def nonconvex_table(run_one, seeds, steps, loss_name, acc_name, reach_name,
                    grid_sgd, grid_adamw, grid_muon) -> None:
    families = methods(grid_sgd, grid_adamw, grid_muon)
    rows = []
    for name, family in families.items():
        setting, results = run_family(family, run_one, seeds, lambda r: r["loss"])
        rows.append(row(name, setting, results))

    def refined_run(seed):
        first = run_one(lambda p: torch.optim.SGD(p, lr=1.0), sched_pf, seed, record=True)
        rec = first["rec"]
        sq = np.convolve(np.pad(rec.norms**2, 10, mode="edge"), np.ones(21) / 21, "valid")
        rates = refined(np.sqrt(sq), rec.max_distance)
        return run_one(
            lambda p: torch.optim.SGD(p, lr=1.0),
            lambda o, s: torch.optim.lr_scheduler.LambdaLR(o, lambda k: rates[min(k, s - 1)]),
            seed,
        )

    rows.append(row("ours: refined (record, refine, retrain)", "untuned",
                    [refined_run(s) for s in seeds]))
    table(f"equal budget of {steps} steps (medians)",
          ["method", "setting", loss_name, acc_name, reach_name, "s/run"], rows)


def row(name, setting, results):
    reach = median_of(results, "reach")
    return [name, setting, f"{median_of(results, 'loss'):.4f}", f"{median_of(results, 'acc'):.4f}",
            "-" if not math.isfinite(reach) else f"{reach:.0f}",
            f"{median_of(results, 'time'):.2f}"]


def char_lm_benchmark(quick: bool) -> None:
    steps = 100 if quick else 300
    seeds = [0] if quick else [0, 1, 2]
    text = inspect.getsource(argparse)
    chars = sorted(set(text))
    codes = torch.tensor([chars.index(c) for c in text])
    split = int(0.9 * len(codes))
    train, held = codes[:split], codes[split:]
    vocab, seq, batch = len(chars), 64, 32
    print(f"\n(b2) character GRU LM (embed 64, hidden 128) on argparse.py source "
          f"({len(text)} chars, vocab {vocab}), seq {seq}, batch {batch}, {steps} steps, "
          f"seeds {seeds}")

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(vocab, 64)
            self.gru = torch.nn.GRU(64, 128, batch_first=True)
            self.head = torch.nn.Linear(128, vocab)

        def forward(self, idx):
            return self.head(self.gru(self.embed(idx))[0])

    held_idx = torch.arange(0, len(held) - seq - 1, seq)[:64]

    def evaluate(model, data, starts):
        inp = torch.stack([data[s:s + seq] for s in starts])
        tgt = torch.stack([data[s + 1:s + seq + 1] for s in starts])
        return float(torch.nn.functional.cross_entropy(model(inp).reshape(-1, vocab),
                                                        tgt.reshape(-1)))

    def run_one(make_opt, make_sched, seed, record=False):
        torch.manual_seed(seed)
        model = Model()
        opt = make_opt(list(model.parameters()))
        sched = make_sched(opt, steps)
        rec = GradNormRecorder(opt) if record else None
        is_sf = hasattr(opt, "train") and hasattr(opt, "eval")
        if is_sf:
            opt.train()
        gen = torch.Generator().manual_seed(seed)
        reached = None
        start = time.perf_counter()
        for step in range(steps):
            starts = torch.randint(0, len(train) - seq - 1, (batch,), generator=gen)
            opt.zero_grad()
            inp = torch.stack([train[s:s + seq] for s in starts])
            tgt = torch.stack([train[s + 1:s + seq + 1] for s in starts])
            loss = torch.nn.functional.cross_entropy(model(inp).reshape(-1, vocab),
                                                     tgt.reshape(-1))
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            if reached is None and float(loss.detach()) < 2.5:
                reached = step + 1
        if is_sf:
            opt.eval()
        with torch.no_grad():
            train_loss = evaluate(model, train, torch.arange(0, 64 * 997, 997))
            held_loss = evaluate(model, held, held_idx)
        return {"loss": train_loss if math.isfinite(train_loss) else math.inf,
                "acc": held_loss, "reach": reached if reached is not None else math.inf,
                "time": time.perf_counter() - start, **({"rec": rec} if record else {})}

    nonconvex_table(run_one, seeds, steps, "train loss", "held-out loss",
                    "steps to batch loss 2.5", [0.1, 0.3, 1.0], [3e-3, 1e-2, 3e-2],
                    [0.01, 0.03, 0.1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and one seed")
    args = parser.parse_args()
    header()
    convex_benchmark(args.quick)
    mlp_benchmark(args.quick)
    char_lm_benchmark(args.quick)


if __name__ == "__main__":
    main()
