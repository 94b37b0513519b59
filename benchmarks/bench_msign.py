"""msign: Newton–Schulz and the exact polar factor, speed against the matmul limit and accuracy.

Newton–Schulz (bfloat16, float32, minimax coefficients ``MINIMAX_QUINTIC``) against the exact
SVD polar factor and torch's own Newton–Schulz (``torch.optim._muon._zeropower_via_newtonschulz``,
where it exists). For each shape, prints the median time of several runs after a warm-up;
the fraction of the matmul limit (the time of the same matrix products done as bare
``torch.mm`` calls divided by the method's time, median over runs taken alternately with the
method's); the orthogonality error ``max |σ_i(Q) - 1|`` (the spectral norm of ``QᵀQ - I`` on
the small side, up to a factor 2); and the relative Frobenius distance to the exact polar
factor. Inputs are Gaussian matrices, like gradients early in training; a square one has
singular values near zero, which Newton–Schulz leaves below 1 by design.

Run: ``python benchmarks/bench_msign.py [--quick] [--device cpu|cuda]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch

import _common
from extremal.optim import MINIMAX_QUINTIC, NewtonSchulz, SVDPolar, msign

torch.set_num_threads(1)


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


def polar_errors(Q: torch.Tensor, exact: torch.Tensor) -> tuple[float, float]:
    sigma = torch.linalg.svdvals(Q.double())
    orth = float((sigma - 1.0).abs().max())
    dist = float(torch.linalg.matrix_norm(Q.double() - exact) / torch.linalg.matrix_norm(exact))
    return orth, dist


def msign_benchmark(quick: bool, device: str = "cpu") -> None:
    """msign timing and orthogonality error."""
    shapes = [(256, 256), (1024, 256), (256, 1024)] if quick else [(1024, 1024), (4096, 1024), (1024, 4096)]
    repeats = 3 if quick else 5
    cpu = _common.cpu_name() if device == "cpu" else torch.cuda.get_device_name()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    print(f"\n(m) msign, device {device}: {cpu}, threads {torch.get_num_threads()}, repeats {repeats} (median)")
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
    spreads = []
    for rows, cols in shapes:
        gen = torch.Generator().manual_seed(rows * cols)
        M = torch.randn(rows, cols, generator=gen).to(device)
        exact = msign(M.double(), SVDPolar())
        results = []
        for name, fn, dtype in methods:
            reference = bare_matmuls(rows, cols, dtype, 5, device) if dtype is not None else None
            seconds, fraction, spread = _common.paired_times(lambda fn=fn, M=M: fn(M), reference, repeats, sync)
            orth, dist = polar_errors(fn(M).float(), exact)
            results.append((name, seconds, fraction, orth, dist))
            if spread is not None:
                spreads.append(spread)
        svd_seconds = results[-1][1]
        for name, seconds, fraction, orth, dist in results:
            limit_s = f"{seconds * fraction:.4f}" if fraction is not None else "-"
            frac = f"{fraction:.2f}" if fraction is not None else "-"
            print(
                f"| {rows}x{cols} | {name} | {seconds:.4f} | {seconds / svd_seconds:.2f} | {limit_s} | {frac} "
                f"| {orth:.2e} | {dist:.3f} |"
            )
    print(f"# fraction of limit: relative spread (max - min) / median of the per-round fractions, "
          f"largest over the rows {max(spreads):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller shapes, fewer repeats (CI)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    _common.header(["torch", "extremal"], threads=f"torch threads {torch.get_num_threads()}")
    msign_benchmark(args.quick, args.device)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
