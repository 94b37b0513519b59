"""msign and a Muon step on an accelerator, as a fraction of its matmul limit.

On a CUDA device (skipped cleanly, exit 0, when there is none): Newton–Schulz msign in
bfloat16 on square, tall and wide matrices, and a whole ``Muon.step()`` (default
``NewtonSchulz()``) on the matrices of a stack of transformer blocks (width ``d``: QKV
``d x 3d``, projection ``d x d``, MLP ``d x 4d`` and ``4d x d``), beside
``torch.optim.Muon.step()`` on the same matrices. "Matmul limit" is the time of the same
matrix products done as bare ``torch.mm`` calls in bfloat16, measured alternately with the
method (median of per-round ratios, with their relative spread), so the fraction says how
much of the device's achievable matmul throughput the method keeps; TFLOP/s counts the
products' flops (2mnk each).

Run: ``python benchmarks/bench_accelerator.py [--quick] [--device cuda|cpu]``; ``--device cpu``
runs the same measurement on the CPU (small shapes with ``--quick``), to try the script
without an accelerator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import torch

import _common
from bench_msign import bare_matmuls
from extremal.optim import Muon, NewtonSchulz, msign

NEWTON_SCHULZ = NewtonSchulz()  # the default that msign and Muon use


def msign_rows(shapes: list[tuple[int, int]], device: str, repeats: int, sync: Callable[[], None]) -> list[list[str]]:
    rows = []
    for m, n in shapes:
        M = torch.randn(m, n, device=device)
        reference = bare_matmuls(m, n, torch.bfloat16, NEWTON_SCHULZ.steps, device)
        seconds, fraction, spread = _common.paired_times(lambda M=M: msign(M, NEWTON_SCHULZ), reference, repeats, sync)
        rows.append([f"{m}x{n}", "msign, NewtonSchulz() bf16", f"{seconds * 1e3:.3f}",
                     f"{NEWTON_SCHULZ.flops(m, n) / seconds / 1e12:.3g}", f"{fraction:.2f} ± {spread:.2f}"])
    return rows


def transformer_matrices(width: int, layers: int, device: str) -> list[torch.nn.Parameter]:
    """The weight matrices of ``layers`` transformer blocks of width ``width``, with random gradients."""
    shapes = [(3 * width, width), (width, width), (4 * width, width), (width, 4 * width)] * layers
    params = []
    for shape in shapes:
        p = torch.nn.Parameter(torch.randn(shape, device=device) * 0.02)
        p.grad = torch.randn(shape, device=device)
        params.append(p)
    return params


def muon_rows(width: int, layers: int, device: str, repeats: int, sync: Callable[[], None]) -> list[list[str]]:
    params = transformer_matrices(width, layers, device)
    flops = sum(NEWTON_SCHULZ.flops(*p.shape) for p in params)
    reference_parts = [bare_matmuls(*p.shape, torch.bfloat16, NEWTON_SCHULZ.steps, device) for p in params]

    def reference() -> None:
        for part in reference_parts:
            part()

    ours = Muon([{"params": params, "use_muon": True}], lr=0.02)
    optimizers: list[tuple[str, torch.optim.Optimizer]] = [("Muon.step() (extremal)", ours)]
    if hasattr(torch.optim, "Muon"):
        optimizers.append(("torch.optim.Muon.step()", torch.optim.Muon(params, lr=0.02)))
    rows = []
    for name, opt in optimizers:
        opt.step()  # moments allocated outside the timing
        seconds, fraction, spread = _common.paired_times(opt.step, reference, repeats, sync)
        rows.append([f"{layers} blocks, d={width}", name, f"{seconds * 1e3:.3f}", f"{flops / seconds / 1e12:.3g}",
                     f"{fraction:.2f} ± {spread:.2f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller shapes, fewer repeats")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("# no CUDA device (torch.cuda.is_available() is False): nothing to measure, skipped")
        sys.exit(0)
    torch.manual_seed(0)
    if args.device == "cuda":
        sync, name = torch.cuda.synchronize, torch.cuda.get_device_name()
        torch.backends.cuda.matmul.allow_tf32 = True
    else:
        sync, name = (lambda: None), _common.cpu_name()
    big = args.device == "cuda" and not args.quick
    shapes = [(4096, 4096), (4096, 16384), (16384, 4096), (8192, 8192)] if big else [(256, 256), (256, 1024)]
    width, layers = (2048, 4) if big else (64, 2)
    repeats = 7 if big else 3
    _common.header(["torch", "extremal"])
    print(f"# device {args.device}: {name}; {repeats} interleaved rounds, medians")
    _common.table(
        "msign and Muon steps against the matmul limit (bare bf16 torch.mm of the same products)",
        ["shape", "method", "ms", "TFLOP/s", "fraction of matmul limit"],
        msign_rows(shapes, args.device, repeats, sync) + muon_rows(width, layers, args.device, repeats, sync),
    )
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
