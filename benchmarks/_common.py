"""Helpers shared by the ``bench_*.py`` scripts (not a benchmark itself).

- :func:`header` and :func:`load_line`: the versions, the machine and its load, printed
  before every table (absolute times depend on all three; ratios from one run do not).
- :func:`interleaved` and :func:`paired_times`: timing with a warm-up, the callables run in
  turn within each repeat, reported as median and spread.
- :func:`table`: a plain-text table.
- :func:`schwarzschild_orbits`: the bound orbits of the geodesic benchmarks.
- :func:`test_helper`: a helper module of the test suite whose cases a benchmark shares.
- The optimizer benchmarks' data and models (:func:`digits`, :func:`digits_split`,
  :func:`digits_mlp`), their training loop (:func:`train_run`), the tuned and untuned methods
  they compare (:func:`methods`, :func:`run_grid`, :func:`pick`) and the wrapper optimizer
  ``torch.optim.Muon`` + AdamW (:func:`torch_muon_adamw`).

Only the standard library is imported here at module level: the geodesic and symbolic
benchmarks use the header and timing helpers without torch installed, and set their
thread variables before NumPy is imported. The torch helpers import torch when called.

The scripts import this module as ``_common``: ``python benchmarks/bench_x.py`` puts
``benchmarks/`` first on ``sys.path``.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import torch

# ----------------------------------------------------------------- header and load

LABELS = {"sklearn": "scikit-learn", "dog": "dog-optimizer"}


def version(module: str) -> str | None:
    """``module``'s ``__version__`` ("" if it has none), or None when it cannot be imported."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    return str(getattr(found, "__version__", ""))


def cpu_name() -> str:
    """The CPU model from ``/proc/cpuinfo``, else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def load_line(when: str = "start") -> str:
    """``# load average at <when>: 1, 5, 15 min`` (``os.getloadavg``), or that it is unknown."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return f"# load average at {when}: unknown"
    return f"# load average at {when}: {one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} CPUs)"


def header(required: Sequence[str], optional: Sequence[str] = (), threads: str = "single thread") -> None:
    """Print the versions of ``required`` and ``optional`` modules, the machine and its load.

    ``required`` modules are listed with their version; ``optional`` ones that are missing
    are listed as absent. ``threads`` says how many threads the timed code runs on.
    """
    found = [f"python {platform.python_version()}"]
    for module in required:
        found.append(f"{LABELS.get(module, module)} {version(module)}")
    extras = []
    for module in optional:
        v = version(module)
        extras.append(f"{LABELS.get(module, module)} {v}".strip() if v is not None
                      else f"{LABELS.get(module, module)} absent")
    print("# " + ", ".join(found))
    if extras:
        print("# optional: " + ", ".join(extras))
    print(f"# machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu_name()}, "
          f"{os.cpu_count()} CPUs, {threads}")
    print(load_line("start"))


# ------------------------------------------------------------------------- timing


def interleaved(fns: Sequence[Callable[[], object]], repeats: int,
                sync: Callable[[], None] = lambda: None) -> list[list[float]]:
    """Seconds of each of ``fns`` in each of ``repeats`` rounds, after one warm-up call of each.

    Within a round the callables run in turn, so a change of machine speed during the run
    moves all of them alike; compare them by the median of per-round ratios. ``sync`` runs
    before and after each timed call (``torch.cuda.synchronize`` on a GPU).
    """
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times, strict=True):
            sync()
            start = time.perf_counter()
            fn()
            sync()
            out.append(time.perf_counter() - start)
    return times


def median_spread(values: Sequence[float]) -> tuple[float, float]:
    """The median and the relative spread ``(max - min) / median`` of ``values``."""
    mid = statistics.median(values)
    return mid, (max(values) - min(values)) / mid if mid > 0 else math.nan


def paired_times(fn: Callable[[], object], reference: Callable[[], object] | None, repeats: int,
                 sync: Callable[[], None] = lambda: None) -> tuple[float, float | None, float | None]:
    """Median seconds of ``fn``, and the median and spread of ``reference / fn`` over interleaved rounds.

    Without a ``reference`` the last two are None.
    """
    if reference is None:
        (times,) = interleaved([fn], repeats, sync)
        return statistics.median(times), None, None
    times, ref = interleaved([fn, reference], repeats, sync)
    mid, spread = median_spread([r / t for r, t in zip(ref, times, strict=True)])
    return statistics.median(times), mid, spread


# ------------------------------------------------------------------------- tables


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """Print ``rows`` under ``columns`` as a plain-text table with a title line."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)))


def fmt_steps(value: float) -> str:
    return "never" if value == math.inf else f"{value:.0f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3g}" if b > 0 else "inf"


# --------------------------------------------------------------- data and models


def schwarzschild_orbits(n: int, seed: int = 0) -> np.ndarray:
    """States (x, u), shape (n, 8), of bound timelike Schwarzschild orbits (M = 1).

    Periapsis r0 uniform in [6, 20], eccentricity in [0, 0.5] and inclination in [0, 30°], so
    every component moves; E and L from Schwarzschild's relations with the semi-latus rectum p.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    rp, e, inc = rng.uniform(6, 20, n), rng.uniform(0, 0.5, n), rng.uniform(0, np.pi / 6, n)
    p = rp * (1 + e)
    L = np.sqrt(p**2 / (p - 3 - e**2))
    E = np.sqrt((p - 2 - 2 * e) * (p - 2 + 2 * e) / (p * (p - 3 - e**2)))
    x0 = np.stack([np.zeros(n), rp, np.full(n, np.pi / 2), np.zeros(n)], axis=1)
    u0 = np.stack([E / (1 - 2 / rp), np.zeros(n), L * np.sin(inc) / rp**2, L * np.cos(inc) / rp**2], axis=1)
    return np.concatenate([x0, u0], axis=1)




def digits(standardise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as NumPy arrays, each pixel standardised over the whole set."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    if standardise:
        x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    return x, y


def digits_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1], split 80/20 (stratified): ``x_train, y_train, x_test, y_test``.

    The split of ``examples/train_digits.py``.
    """
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        data.data / 16.0, data.target, test_size=0.2, random_state=0, stratify=data.target
    )
    return (torch.tensor(x_tr, dtype=torch.float32), torch.tensor(y_tr),
            torch.tensor(x_te, dtype=torch.float32), torch.tensor(y_te))


def digits_mlp(seed: int) -> torch.nn.Sequential:
    """The MLP 64→256→256→10 (ReLU) of ``examples/train_digits.py``, after ``torch.manual_seed(seed)``."""
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )


# ------------------------------------------------------------------ optimizers

OPTIONAL_OPTIMIZERS = ("prodigyopt", "dog", "schedulefree")


def optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def test_helper(relative: str) -> Any:
    """The test suite's helper module ``tests/<relative>`` (cases the benchmarks share), loaded by path."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tests" / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def _torch_muon_adamw_class() -> type:
    import torch

    from extremal.optim import muon_param_groups

    class TorchMuonAdamW(torch.optim.Optimizer):
        """``torch.optim.Muon`` on the Muon groups of ``muon_param_groups``, ``torch.optim.AdamW`` on the rest.

        The same routing as extremal's :class:`Muon` (embeddings, the head and vectors on AdamW),
        with the update scaled to AdamW's RMS (``adjust_lr_fn="match_rms_adamw"``) as extremal's
        default scale does, so one ``lr`` serves both paths. ``torch.optim.Muon`` has no block
        option, so a fused weight is orthogonalised whole. The learning rates live in this
        optimizer's param groups, so a scheduler drives both; each step copies them into the two
        inner optimizers.
        """

        def __init__(self, model: torch.nn.Module, lr: float, weight_decay: float = 0.0):
            groups = [{"params": g["params"], "use_muon": g["use_muon"]} for g in muon_param_groups(model)]
            super().__init__(groups, {"lr": lr, "weight_decay": weight_decay})
            self.inner = [
                torch.optim.Muon(g["params"], lr=lr, weight_decay=weight_decay, adjust_lr_fn="match_rms_adamw")
                if g["use_muon"] else torch.optim.AdamW(g["params"], lr=lr, weight_decay=weight_decay)
                for g in self.param_groups
            ]

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group, opt in zip(self.param_groups, self.inner, strict=True):
                opt.param_groups[0]["lr"] = group["lr"]
                opt.step()
            return loss

    return TorchMuonAdamW


def torch_muon_adamw(model: torch.nn.Module, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """A ``TorchMuonAdamW`` wrapper (see its docstring) over ``model``."""
    return _torch_muon_adamw_class()(model, lr, weight_decay)


WARMUP = 0.05


def sched_none(opt, steps):
    return None


def sched_wsd(opt, steps):
    """Constant for the first half, then linear decay to zero."""
    import torch

    return torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, 2.0 * (1.0 - k / steps)))


def sched_warmup_cosine(opt, steps):
    """Linear warmup over the first 5% of the steps, then cosine decay to zero."""
    import torch

    warm = max(1, round(WARMUP * steps))

    def factor(k):
        if k < warm:
            return (k + 1) / warm
        return 0.5 * (1.0 + math.cos(math.pi * (k - warm) / (steps - warm)))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def sched_pf(opt, steps):
    from extremal.optim import AdaGradNorm, GradNormLR

    return GradNormLR(opt, AdaGradNorm())


def pf_sgd(model):
    """The parameter-free default: SGD, momentum 0.5, multiplier 1 - 0.5."""
    import torch

    return torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)


def muon_groups(model):
    """``muon_param_groups`` with the model's fused weights (``model.fused()``) split."""
    from extremal.optim import muon_param_groups

    return muon_param_groups(model, split=model.fused() if hasattr(model, "fused") else None)


def retrain_with(rates):
    """A scheduler factory that sets the rates ``rates[k]`` (the last one past the end)."""
    import torch

    def make_sched(opt, steps):
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda k: rates[min(k, steps - 1)])

    return make_sched


PF_DEFAULT = "ours: parameter-free, SGD+mom 0.5, multiplier 0.5 (default)"
REFINED = {"ours: refined, article formula (record, refine, retrain)": None,
           "ours: refined, cap=1 (record, refine, retrain)": 1.0}
ADAMW = "AdamW, warmup+cosine (tuned)"
OUR_MUON = "extremal Muon, warmup+cosine (tuned)"
TORCH_MUON = "torch Muon + AdamW, warmup+cosine (tuned)"


def methods(grid_sgd, grid_adaptive) -> dict[str, list[tuple[str, Callable, Callable]]]:
    """name -> list of (setting, optimizer factory, scheduler factory); one entry = untuned.

    AdamW and both Muons share one learning-rate grid and one schedule (5% warmup, cosine to
    zero): with the AdamW-RMS scale the Muon step and its AdamW path take AdamW rates, so the
    only difference between the three is the optimizer. SGD gets a grid of the same size.
    No weight decay anywhere. Prodigy, DoG and schedule-free AdamW are added, untuned, when
    installed.
    """
    import torch

    from extremal.optim import Muon

    out: dict[str, list] = {
        "SGD+mom 0.9, constant then linear decay (tuned)": [
            (f"lr={lr:g}", lambda m, lr=lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9), sched_wsd)
            for lr in grid_sgd
        ],
        ADAMW: [
            (f"lr={lr:g}", lambda m, lr=lr: torch.optim.AdamW(m.parameters(), lr=lr, weight_decay=0.0),
             sched_warmup_cosine)
            for lr in grid_adaptive
        ],
        OUR_MUON: [
            (f"lr={lr:g}", lambda m, lr=lr: Muon(muon_groups(m), lr=lr, weight_decay=0.0), sched_warmup_cosine)
            for lr in grid_adaptive
        ],
    }
    if hasattr(torch.optim, "Muon"):
        out[TORCH_MUON] = [
            (f"lr={lr:g}", lambda m, lr=lr: torch_muon_adamw(m, lr=lr), sched_warmup_cosine)
            for lr in grid_adaptive
        ]
    out[PF_DEFAULT] = [("untuned", pf_sgd, sched_pf)]
    out["ours: parameter-free, plain SGD"] = [
        ("untuned", lambda m: torch.optim.SGD(m.parameters(), lr=1.0), sched_pf)
    ]
    out["ours: parameter-free, SGD+mom 0.9, multiplier 0.1"] = [
        ("untuned", lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), sched_pf)
    ]
    prodigyopt, dog, schedulefree = (optional(m) for m in OPTIONAL_OPTIMIZERS)
    if prodigyopt is not None:
        out["Prodigy"] = [
            ("untuned", lambda m: prodigyopt.Prodigy(m.parameters(), lr=1.0, weight_decay=0.0), sched_none)
        ]
    if dog is not None:
        out["DoG"] = [("untuned", lambda m: dog.DoG(m.parameters()), sched_none)]
    if schedulefree is not None:
        out["schedule-free AdamW"] = [
            ("untuned", lambda m: schedulefree.AdamWScheduleFree(m.parameters()), sched_none)
        ]
    return out


def run_grid(family, run_one, seeds, record=False):
    """Every setting of a family on every seed: a list of (setting, results)."""
    grid = []
    for setting, make_opt, make_sched in family:
        results = []
        for seed in seeds:
            try:
                results.append(run_one(make_opt, make_sched, seed, record=record))
            except Exception as exc:
                results.append({"error": type(exc).__name__})
        grid.append((setting, results))
    return grid


def pick(grid, key):
    """The (setting, results) of a grid with the lowest median ``key`` over seeds."""
    def score(results):
        ok = [r[key] for r in results if "error" not in r]
        return statistics.median(ok) if len(ok) == len(results) else math.inf

    return min(grid, key=lambda entry: score(entry[1]))


def median_of(results, key) -> float:
    values = [r[key] for r in results if "error" not in r]
    return statistics.median(values) if values else math.nan


def is_sf(opt) -> bool:
    """Schedule-free optimizers evaluate at their averaged point: switch with eval()/train()."""
    return hasattr(opt, "train") and hasattr(opt, "eval")


# ------------------------------------------------------------------ training loop


def train_run(model, make_opt, make_sched, seed, steps, batch_loss, *, monitor, final, second, target,
              record=False) -> dict:
    """Train ``steps`` minibatch steps (batches drawn by ``batch_loss(model, generator)``).

    Every 10 steps ``monitor(model)`` is compared with ``target`` until it is reached; at the
    end ``final(model)`` is the train loss and ``second(model)`` the other column (accuracy or
    held-out loss). Schedule-free optimizers are switched to eval mode for every evaluation.
    With ``record`` the gradient norms are recorded (``GradNormRecorder``) under ``"rec"``.
    """
    import torch

    from extremal.optim import GradNormRecorder

    opt = make_opt(model)
    sched = make_sched(opt, steps)
    rec = GradNormRecorder(opt, nonfinite="skip") if record else None
    if is_sf(opt):
        opt.train()
    gen = torch.Generator().manual_seed(seed)
    reached = None
    start = time.perf_counter()
    for step in range(steps):
        opt.zero_grad()
        batch_loss(model, gen).backward()
        opt.step()
        if sched is not None:
            sched.step()
        if reached is None and step % 10 == 9:
            if is_sf(opt):
                opt.eval()
            with torch.no_grad():
                if monitor(model) <= target:
                    reached = step + 1
            if is_sf(opt):
                opt.train()
    if is_sf(opt):
        opt.eval()
    with torch.no_grad():
        train_loss, other = final(model), second(model)
    return {"loss": train_loss if math.isfinite(train_loss) else math.inf, "acc": other,
            "reach": reached if reached is not None else math.inf,
            "time": time.perf_counter() - start, **({"rec": rec} if record else {})}
