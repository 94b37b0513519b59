"""msign: Newton–Schulz (bfloat16, float32) versus the exact SVD polar factor.

For each shape, prints the median time of several runs after a warm-up; the fraction of the
matmul limit (the time of the same matrix products done as bare ``torch.mm`` calls divided by
the method's time, median over runs taken alternately with the method's); the orthogonality
error ``max |σ_i(Q) - 1|`` (the spectral norm of ``QᵀQ - I`` on the small side, up to a factor
2); and the relative Frobenius distance to the exact polar factor. Inputs are Gaussian
matrices, like gradients early in training; a square one has singular values near zero,
which Newton–Schulz leaves below 1 by design. The minimax rows use ``MINIMAX_QUINTIC``.
``torch.optim._muon._zeropower_via_newtonschulz`` is the baseline where it exists.

Run: ``python benchmarks/bench_msign.py [--quick] [--threads N] [--device cpu|cuda]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import torch

from extremal.optim import MINIMAX_QUINTIC, NewtonSchulz, SVDPolar, msign


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def paired_times(
    fn: Callable[[], object], reference: Callable[[], object] | None, repeats: int, device: str
) -> tuple[float, float | None]:
    """Median seconds of ``fn`` and median of ``reference / fn`` over runs taken alternately."""
    fn()
    if reference is not None:
        reference()
    times, ratios = [], []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        if reference is not None:
            start = time.perf_counter()
            reference()
            _sync(device)
            ratios.append((time.perf_counter() - start) / elapsed)
    return statistics.median(times), (statistics.median(ratios) if ratios else None)


def bare_matmuls(rows: int, cols: int, dtype: torch.dtype, steps: int, device: str) -> Callable[[], object]:
    """The matrix products of ``steps`` Newton–Schulz iterations, as plain ``torch.mm`` calls."""
    m, n = min(rows, cols), max(rows, cols)
    X = torch.randn(m, n, dtype=dtype, device=device)
    A = torch.randn(m, m, dtype=dtype, device=device)

    def run() -> None:
        for _ in range(steps):
            torch.mm(X, X.mT)
            torch.mm(A, A)
            torch.mm(A, X)

    return run


def errors(Q: torch.Tensor, exact: torch.Tensor) -> tuple[float, float]:
    sigma = torch.linalg.svdvals(Q.double())
    orth = float((sigma - 1.0).abs().max())
    dist = float(torch.linalg.matrix_norm(Q.double() - exact) / torch.linalg.matrix_norm(exact))
    return orth, dist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes and few repeats (CI)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = args.device
    shapes = [(256, 256), (1024, 256), (256, 1024)] if args.quick else [(1024, 1024), (4096, 1024), (1024, 4096)]
    repeats = 3 if args.quick else 5
    cpu = platform.processor() or platform.machine()
    if device == "cpu":
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
    else:
        cpu = torch.cuda.get_device_name()
    print(f"# bench_msign  torch {torch.__version__}  python {platform.python_version()}  {platform.system()}")
    print(f"# device {device}: {cpu}  threads {torch.get_num_threads()}  repeats {repeats} (median)")
    methods: list[tuple[str, Callable[[torch.Tensor], torch.Tensor], torch.dtype | None]] = [
        ("NS bf16 (extremal)", lambda M: msign(M, NewtonSchulz()), torch.bfloat16),
        ("NS fp32 (extremal)", lambda M: msign(M, NewtonSchulz(dtype=torch.float32)), torch.float32),
        ("NS minimax bf16 (extremal)", lambda M: msign(M, NewtonSchulz(MINIMAX_QUINTIC)), torch.bfloat16),
    ]
    baseline = getattr(getattr(torch.optim, "_muon", None), "_zeropower_via_newtonschulz", None)
    if baseline is not None:
        methods.append(
            ("NS bf16 (torch.optim.Muon)", lambda M: baseline(M, (3.4445, -4.7750, 2.0315), 5, 1e-7), torch.bfloat16)
        )
    methods.append(("SVD polar fp32 (extremal)", lambda M: msign(M, SVDPolar()), None))
    header = "| shape | method | seconds | vs SVD | matmul limit s | fraction of limit | max abs(σ-1) | dist to polar |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for rows, cols in shapes:
        gen = torch.Generator().manual_seed(rows * cols)
        M = torch.randn(rows, cols, generator=gen).to(device)
        exact = msign(M.double(), SVDPolar())
        results = []
        for name, fn, dtype in methods:
            reference = bare_matmuls(rows, cols, dtype, 5, device) if dtype is not None else None
            seconds, fraction = paired_times(lambda fn=fn, M=M: fn(M), reference, repeats, device)
            orth, dist = errors(fn(M).float(), exact)
            results.append((name, seconds, fraction, orth, dist))
        svd_seconds = results[-1][1]
        for name, seconds, fraction, orth, dist in results:
            limit_s = f"{seconds * fraction:.4f}" if fraction is not None else "-"
            frac = f"{fraction:.2f}" if fraction is not None else "-"
            print(
                f"| {rows}x{cols} | {name} | {seconds:.4f} | {seconds / svd_seconds:.2f} | {limit_s} | {frac} "
                f"| {orth:.2e} | {dist:.3f} |"
            )


if __name__ == "__main__":
    main()
