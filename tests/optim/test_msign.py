"""msign: exact polar factor, Newton–Schulz band, batching, dtypes and bad input."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    JORDAN_QUINTIC,
    MINIMAX_QUINTIC,
    MsignMethod,
    NewtonSchulz,
    SVDPolar,
    msign,
)

EXACT = SVDPolar()
NS_F32 = NewtonSchulz(dtype=torch.float32)
NS_BF16 = NewtonSchulz()


def reference_newton_schulz(G: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """The loop of Jordan et al. (2024), written out plainly in float32.

    The scaling divides by the norm itself (zero stays zero), as ``NewtonSchulz`` does, instead
    of adding 1e-7 to it: with the added form a matrix of norm 2e-3 starts 5e-5 below norm 1,
    which the five steps carry into the result, and the result depends on the scale of ``G``."""
    a, b, c = JORDAN_QUINTIC
    X = G.clone()
    transpose = X.shape[0] > X.shape[1]
    if transpose:
        X = X.T
    norm = X.norm()
    X = X / norm if norm > 0 else X
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * A @ A
        X = a * X + B @ X
    return X.T if transpose else X


def with_spectrum(m: int, n: int, sigma: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    k = sigma.numel()
    U, _ = torch.linalg.qr(torch.randn(m, k, generator=gen, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(n, k, generator=gen, dtype=torch.float64))
    return (U * sigma) @ V.T, U, V


matrices = st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**31 - 1)).map(
    lambda t: torch.randn(t[0], t[1], generator=torch.Generator().manual_seed(t[2]), dtype=torch.float64)
)


@given(matrices)
def test_exact_equals_uvt_from_svd(M: torch.Tensor) -> None:
    U, _, Vh = torch.linalg.svd(M, full_matrices=False)
    torch.testing.assert_close(msign(M, EXACT), U @ Vh, atol=1e-10, rtol=0)


@given(matrices, st.floats(1e-3, 1e3))
def test_exact_is_scale_invariant(M: torch.Tensor, c: float) -> None:
    torch.testing.assert_close(msign(c * M, EXACT), msign(M, EXACT), atol=1e-10, rtol=0)


@given(matrices, st.floats(1e-2, 1e2))
def test_newton_schulz_is_scale_invariant(M: torch.Tensor, c: float) -> None:
    torch.testing.assert_close(msign(c * M, NS_F32), msign(M, NS_F32), atol=1e-4, rtol=0)


@given(matrices)
def test_exact_is_semi_orthogonal_and_matches_definition(M: torch.Tensor) -> None:
    Q = msign(M, EXACT)
    k = min(M.shape)
    small_gram = Q.T @ Q if M.shape[0] >= M.shape[1] else Q @ Q.T
    torch.testing.assert_close(small_gram, torch.eye(k, dtype=M.dtype), atol=1e-9, rtol=0)
    evals, evecs = torch.linalg.eigh(M.T @ M)
    if evals.min() > 1e-8:
        inv_sqrt = evecs @ torch.diag(evals.rsqrt()) @ evecs.T
        torch.testing.assert_close(Q, M @ inv_sqrt, atol=1e-7, rtol=0)


@given(matrices)
def test_newton_schulz_matches_reference_loop(M: torch.Tensor) -> None:
    M = M.float()
    torch.testing.assert_close(msign(M, NS_F32), reference_newton_schulz(M), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    ("coeffs", "band"), [((JORDAN_QUINTIC,), (0.65, 1.25)), (MINIMAX_QUINTIC, (0.96, 1.04))], ids=["jordan", "minimax"]
)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
@pytest.mark.parametrize(("m", "n"), [(64, 64), (256, 64), (64, 256)])
@pytest.mark.parametrize("spectrum", ["uniform", "geometric"])
def test_newton_schulz_band(
    coeffs: tuple[tuple[float, float, float], ...],
    band: tuple[float, float],
    dtype: torch.dtype,
    m: int,
    n: int,
    spectrum: str,
) -> None:
    k = min(m, n)
    gen = torch.Generator().manual_seed(m + n)
    if spectrum == "uniform":
        sigma = torch.rand(k, generator=gen, dtype=torch.float64) + 0.05
    else:
        sigma = torch.logspace(0, -1.2, k, dtype=torch.float64)
    assert float(sigma.min() / sigma.norm()) >= 2e-3
    M, _, _ = with_spectrum(m, n, sigma, seed=m * n)
    out = msign(M.float(), NewtonSchulz(coeffs=coeffs, dtype=dtype))
    assert out.dtype == torch.float32
    s = torch.linalg.svdvals(out.double())
    assert float(s.min()) >= band[0] and float(s.max()) <= band[1]


@pytest.mark.parametrize(
    ("coeffs", "band"),
    [((JORDAN_QUINTIC,) * 5, (0.68, 1.21)), (MINIMAX_QUINTIC, (0.971, 1.029))],
    ids=["jordan", "minimax"],
)
def test_scalar_map_band_in_exact_arithmetic(
    coeffs: tuple[tuple[float, float, float], ...], band: tuple[float, float]
) -> None:
    x = torch.logspace(math.log10(2e-3), 0, 20001, dtype=torch.float64)
    for a, b, c in coeffs:
        x = a * x + b * x**3 + c * x**5
    assert float(x.min()) >= band[0] and float(x.max()) <= band[1]
    below = torch.logspace(-8, math.log10(2e-3), 2001, dtype=torch.float64)
    for a, b, c in coeffs:
        below = a * below + b * below**3 + c * below**5
    assert float(below.max()) < band[1] and float(below.min()) > 0


def test_small_singular_values_stay_below_band() -> None:
    sigma = torch.tensor([1.0, 1e-6], dtype=torch.float64)
    M, U, V = with_spectrum(8, 8, sigma)
    out = msign(M, NewtonSchulz(dtype=torch.float64)).double()
    s = torch.diagonal(U.T @ out @ V)
    assert 0.68 <= float(s[0]) <= 1.21
    assert float(s[1]) <= 1e-6 * JORDAN_QUINTIC[0] ** 5


def test_per_step_coefficients_repeat_last_triple() -> None:
    M = torch.randn(6, 9, generator=torch.Generator().manual_seed(1))
    one = NewtonSchulz(coeffs=(JORDAN_QUINTIC,), steps=4, dtype=torch.float32)
    many = NewtonSchulz(coeffs=(JORDAN_QUINTIC, JORDAN_QUINTIC), steps=4, dtype=torch.float32)
    assert torch.equal(msign(M, one), msign(M, many))
    cubic = NewtonSchulz(coeffs=((1.5, -0.5, 0.0),), steps=60, dtype=torch.float64)
    torch.testing.assert_close(msign(M.double(), cubic), msign(M.double(), EXACT), atol=1e-9, rtol=0)


@pytest.mark.parametrize("method", [EXACT, NS_F32, NS_BF16])
def test_batched_equals_loop(method: SVDPolar | NewtonSchulz) -> None:
    M = torch.randn(2, 3, 5, 7, generator=torch.Generator().manual_seed(2))
    out = msign(M, method)
    assert out.shape == M.shape
    for i in range(2):
        for j in range(3):
            atol = 2e-2 if getattr(method, "dtype", None) == torch.bfloat16 else 1e-5
            torch.testing.assert_close(out[i, j], msign(M[i, j], method), atol=atol, rtol=0)


@pytest.mark.parametrize("method", [EXACT, NS_F32, NS_BF16])
def test_tall_is_transpose_of_wide(method: SVDPolar | NewtonSchulz) -> None:
    M = torch.randn(5, 11, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(msign(M.T, method), msign(M, method).T, atol=1e-6, rtol=0)


@pytest.mark.parametrize("method", [EXACT, NS_F32, NS_BF16])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32, torch.float64])
def test_zero_and_rank_deficient_are_finite(method: SVDPolar | NewtonSchulz, dtype: torch.dtype) -> None:
    zero = torch.zeros(3, 4, 6, dtype=dtype)
    out = msign(zero, method)
    assert out.dtype == dtype
    assert torch.equal(out, zero)
    u = torch.tensor([[1.0], [2.0], [-1.0], [0.0], [3.0], [1.0], [-2.0]], dtype=torch.float64)
    v = torch.tensor([[1.0, -1.0, 2.0, 0.0, 1.0]], dtype=torch.float64)
    rank_one = (u @ v).to(dtype)
    out = msign(rank_one, method)
    assert torch.isfinite(out).all()
    expected = (u / u.norm()) @ (v / v.norm())
    tol = {"SVDPolar": 1e-2, "NewtonSchulz": 0.25}[type(method).__name__]
    torch.testing.assert_close(out.double(), expected, atol=tol, rtol=0)


def test_exact_rank_deficient_is_pseudo_inverse_form() -> None:
    M, U, V = with_spectrum(9, 6, torch.tensor([3.0, 2.0, 0.5], dtype=torch.float64))
    torch.testing.assert_close(msign(M, EXACT), U @ V.T, atol=1e-10, rtol=0)


def test_empty_matrix() -> None:
    assert msign(torch.zeros(0, 3)).shape == (0, 3)


def test_newton_schulz_flops() -> None:
    assert NewtonSchulz(steps=5).flops(4096, 1024) == NewtonSchulz(steps=5).flops(1024, 4096)
    assert NewtonSchulz(steps=1).flops(2, 3) == 4 * 4 * 3 + 2 * 8


@pytest.mark.parametrize(
    ("M", "method", "match"),
    [
        ([[1.0, 2.0]], EXACT, "torch.Tensor"),
        (torch.ones(3), EXACT, "at least 2 dimensions"),
        (torch.ones(2, 2, dtype=torch.int64), EXACT, "floating dtype"),
        (torch.ones(2, 2, dtype=torch.complex64), EXACT, "floating dtype"),
        (torch.ones(2, 2), "newton-schulz", "method must be"),
    ],
)
def test_bad_input(M: object, method: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        msign(M, method)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps": 0}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"coeffs": ()}, "coeffs"),
        ({"coeffs": ((1.0, 2.0),)}, "triples"),
        ({"dtype": torch.int32}, "dtype"),
        ({"coeffs": ((1.0, 2.0, True),)}, "not booleans"),
        ({"coeffs": ((1.0, float("nan"), 0.0),)}, "finite"),
    ],
)
def test_bad_newton_schulz(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        NewtonSchulz(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("rtol", [1.5, -0.1, False, float("nan"), "0.1"])
def test_bad_svd_rtol(rtol: object) -> None:
    with pytest.raises(InputError, match="rtol"):
        SVDPolar(rtol=rtol)  # type: ignore[arg-type]


def test_methods_are_frozen_values() -> None:
    assert NewtonSchulz() == NewtonSchulz()
    assert hash(SVDPolar()) == hash(SVDPolar())
    with pytest.raises(AttributeError):
        NewtonSchulz().steps = 3  # type: ignore[misc]


class ClampedSVD(MsignMethod):
    """A method of one's own: the exact sign, computed in float64."""

    __slots__ = ()

    def polar(self, M: torch.Tensor) -> torch.Tensor:
        return SVDPolar().polar(M.double()).to(M.dtype)


@pytest.mark.parametrize("method", [EXACT, NS_F32, NS_BF16, ClampedSVD()], ids=repr)
def test_calling_a_method_is_msign(method: MsignMethod) -> None:
    M = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(method(M), msign(M, method))
    assert method(torch.zeros(0, 3)).shape == (0, 3)
    with pytest.raises(InputError, match="at least 2 dimensions"):
        method(torch.ones(3))


def test_a_new_method_is_one_subclass() -> None:
    M = torch.tensor([[3.0, 4.0]])
    torch.testing.assert_close(msign(M, ClampedSVD()), torch.tensor([[0.6, 0.8]]))
    with pytest.raises(TypeError, match="abstract"):
        MsignMethod()  # type: ignore[abstract]


def test_exact_method_computes_a_wide_matrix_on_its_tall_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    gen = torch.Generator().manual_seed(5)
    wide = torch.randn(3, 16, 48, generator=gen)
    tall_result = SVDPolar()(wide.mT.contiguous())
    shapes = []
    svd = torch.linalg.svd

    def recording_svd(A: torch.Tensor, *args: object, **kwargs: object) -> object:
        shapes.append(tuple(A.shape))
        return svd(A, *args, **kwargs)

    monkeypatch.setattr(torch.linalg, "svd", recording_svd)
    wide_result = SVDPolar()(wide)
    assert shapes == [(3, 48, 16)]
    assert torch.equal(wide_result, tall_result.mT)
    torch.testing.assert_close(wide_result @ wide_result.mT, torch.eye(16).expand(3, 16, 16), atol=1e-5, rtol=0)


def test_minimax_band_holds_from_the_stated_lower_end() -> None:
    """The README's band [0.971, 1.029] holds for σ ≥ 2e-3 ‖M‖_F and fails just below it."""

    def scalar_map(x: torch.Tensor) -> torch.Tensor:
        for a, b, c in MINIMAX_QUINTIC:
            x = a * x + b * x**3 + c * x**5
        return x

    inside = scalar_map(torch.logspace(math.log10(2e-3), 0.0, 100_001, dtype=torch.float64))
    assert float(inside.min()) >= 0.971 and float(inside.max()) <= 1.029
    assert float(scalar_map(torch.tensor([1.5e-3], dtype=torch.float64))) < 0.9
