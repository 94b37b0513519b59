"""The worked examples of five articles by Su Jianlin, computed and checked against their equations.

Each step names the article and equation it reproduces, the computed result, and whether
it agrees with the article's formula (checked here, not assumed). Three articles are about
physics (coordinate changes, geodesics, mechanics made geometric) and need SymPy only; two
are about training (isotropy and steepest descent, learning rates from gradient norms) and
need PyTorch for their tensors and training runs: without torch, :func:`demo_steps` gives
the learning-rate article's derivation and leaves the rest out (:func:`ml_available`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from extremal.examples import spherical_flat, two_body
from extremal.symbolic import (
    FieldLagrangian,
    Formula,
    Lagrangian,
    Metric,
    Variational,
    change_coordinates,
    change_field_coordinates,
    christoffel,
    conformal_mechanics,
    euler_lagrange,
    field_equations,
    geodesic_equations,
    jacobi_metric,
    jacobi_newton_equations,
    laplace_beltrami,
    laplacian_from_action,
    mechanical_lagrangian,
)

if TYPE_CHECKING:
    import torch
    from numpy.typing import NDArray

__all__ = [
    "COORDINATE_CHANGES",
    "GEODESICS",
    "GEOMETRISED_MECHANICS",
    "ISOTROPY",
    "JORDAN_BAND",
    "LEARNING_RATES",
    "MINIMAX_BAND",
    "TRAINING_STEPS",
    "Article",
    "DemoStep",
    "IsotropyCase",
    "TrainingCase",
    "demo_steps",
    "isotropy_case",
    "ml_available",
    "training_case",
]


@dataclass(frozen=True, slots=True)
class Article:
    """A source article: its author, its title in English and its address.

    Examples
    --------
    >>> print(COORDINATE_CHANGES)
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181
    """

    title: str
    url: str
    author: str = "Su Jianlin"

    def __str__(self) -> str:
        return f'{self.author}, "{self.title}", {self.url}'


COORDINATE_CHANGES = Article("Changing coordinates with the calculus of variations", "https://kexue.fm/archives/3181")
GEODESICS = Article("Understanding Riemannian geometry, 3: Geodesics", "https://kexue.fm/archives/3977")
GEOMETRISED_MECHANICS = Article(
    "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made geometric)",
    "https://kexue.fm/archives/4046",
)
ISOTROPY = Article("Why do we prefer isotropy? An understanding through steepest descent",
                   "https://kexue.fm/archives/11549")
LEARNING_RATES = Article("Making alchemy more scientific (5): fine-tuning the learning rate from gradients",
                         "https://kexue.fm/archives/11530")


@dataclass(frozen=True)
class DemoStep:
    """One worked example: which article and equation, what was computed, whether it matches."""

    article: Article
    equation: str
    title: str
    result: object
    matches: bool | None = None


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0


def _same_all(a, b) -> bool:
    return all(_same(x, y) for x, y in zip(a, b, strict=True))


def _coordinate_changes() -> Iterator[DemoStep]:
    r, th, mu, F = sp.symbols("r theta mu F")
    rdot, thdot = sp.symbols("rdot thetadot")
    polar = {"x": "r*cos(theta)", "y": "r*sin(theta)"}
    cart = two_body()
    yield DemoStep(COORDINATE_CHANGES, "eq. (2)", "two-body action, Cartesian", cart)
    yield DemoStep(COORDINATE_CHANGES, "eq. (1)", "its Euler-Lagrange equations", euler_lagrange(cart))
    L = change_coordinates(cart, polar, "r theta")
    yield DemoStep(COORDINATE_CHANGES, "eq. (3)", "the action in polar coordinates", L,
                   _same(L.expr, (rdot**2 + r**2 * thdot**2) / 2 + mu / r))
    eom = euler_lagrange(L)
    yield DemoStep(COORDINATE_CHANGES, "eq. (4)", "its Euler-Lagrange equations", eom,
                   _same_all(eom.accelerations, (r * thdot**2 - mu / r**2, -2 * rdot * thdot / r)))
    yield DemoStep(COORDINATE_CHANGES, "eq. (4)", "conservation form", eom.conservation_form)
    laplace = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    yield DemoStep(COORDINATE_CHANGES, "eq. (6)", "Poisson action, Cartesian", laplace)
    in_polar = change_field_coordinates(laplace, polar, "r theta")
    u = sp.Function("u")(r, th)
    yield DemoStep(COORDINATE_CHANGES, "eq. (7)", "the action in polar coordinates (volume r dr dθ)", in_polar,
                   _same(in_polar.density, (u.diff(r) ** 2 + u.diff(th) ** 2 / r**2) / 2 * r + F * u * r))
    (eq8,) = field_equations(in_polar)
    yield DemoStep(COORDINATE_CHANGES, "eq. (8)", "its Euler-Lagrange equation", eq8,
                   _same(eq8.lhs, F * r - sp.diff(r * u.diff(r), r) - u.diff(th, 2) / r))
    lap = laplacian_from_action(polar, "r theta")
    yield DemoStep(COORDINATE_CHANGES, "after eq. (8)", "the Laplacian in polar coordinates", lap,
                   _same(lap, sp.diff(r * u.diff(r), r) / r + u.diff(th, 2) / r**2))
    xi, eta = sp.symbols("xi eta")
    U = sp.Function("u")(xi, eta)
    parabolic = {"x": "xi**2 - eta**2", "y": "2*xi*eta"}
    lap = laplacian_from_action(parabolic, "xi eta")
    yield DemoStep(COORDINATE_CHANGES, "parabolic", "Laplacian for x = ξ²-η², y = 2ξη (the article drops a factor 4: "
                   "dx²+dy² = 4(ξ²+η²)(dξ²+dη²))", lap,
                   _same(lap, (U.diff(xi, 2) + U.diff(eta, 2)) / (4 * (xi**2 + eta**2))))
    ph = sp.Symbol("phi")
    spherical = {"x": "r*sin(theta)*cos(phi)", "y": "r*sin(theta)*sin(phi)", "z": "r*cos(theta)"}
    lap = laplacian_from_action(spherical, "r theta phi")
    W = sp.Function("u")(r, th, ph)
    expected = (sp.diff(r**2 * W.diff(r), r) / r**2 + sp.diff(sp.sin(th) * W.diff(th), th) / (r**2 * sp.sin(th))
                + W.diff(ph, 2) / (r**2 * sp.sin(th) ** 2))
    yield DemoStep(COORDINATE_CHANGES, "spherical", "Laplacian in spherical coordinates", lap, _same(lap, expected))
    yield DemoStep(COORDINATE_CHANGES, "check", "Laplace-Beltrami formula gives the same operator",
                   laplace_beltrami(spherical_flat()), _same(laplace_beltrami(spherical_flat()), expected))


def _geodesics() -> Iterator[DemoStep]:
    metric = spherical_flat()
    r, th = sp.symbols("r theta")
    yield DemoStep(GEODESICS, "eq. (23)", "flat space in spherical coordinates", metric)
    yield DemoStep(GEODESICS, "eq. (24)", "the geodesic Lagrangian ½ g ẋẋ", metric.lagrangian())
    eom = geodesic_equations(metric)
    yield DemoStep(GEODESICS, "eq. (25)", "Euler-Lagrange equations", eom.conservation_form)
    rdot, thdot, phdot = sp.symbols("rdot thetadot phidot")
    article_26 = (r * thdot**2 + r * sp.sin(th) ** 2 * phdot**2,
                  -2 * rdot * thdot / r + sp.sin(th) * sp.cos(th) * phdot**2,
                  -2 * rdot * phdot / r - 2 * sp.cos(th) / sp.sin(th) * thdot * phdot)
    yield DemoStep(GEODESICS, "eq. (26)", "solved for the accelerations", eom, _same_all(eom.accelerations, article_26))
    by_variation = christoffel(metric, method=Variational())
    expected = {(0, 1, 1): -r, (0, 2, 2): -r * sp.sin(th) ** 2, (1, 0, 1): 1 / r,
                (1, 2, 2): -sp.sin(th) * sp.cos(th), (2, 0, 2): 1 / r, (2, 1, 2): sp.cos(th) / sp.sin(th)}
    found = by_variation.nonzero()
    yield DemoStep(GEODESICS, "eq. (27)", "Christoffel symbols read off eq. (26)", by_variation,
                   found.keys() == expected.keys() and all(_same(found[i], expected[i]) for i in expected))
    by_formula = christoffel(metric, method=Formula())
    yield DemoStep(GEODESICS, "eq. (20)", "the textbook formula agrees", by_formula,
                   by_formula.array == by_variation.array)


def _geometrised_mechanics() -> Iterator[DemoStep]:
    x, y, E = sp.symbols("x y E")
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    U = sp.Function("U")(x, y)
    L = mechanical_lagrangian(flat, U)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (70)", "a 2-D conservative system", L)
    newton = euler_lagrange(L)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (71)", "Newton's equations", newton,
                   _same_all(newton.accelerations, (-U.diff(x), -U.diff(y))))
    jm = jacobi_metric(flat, U, E)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (79)", "the Jacobi metric (E-U)(dx²+dy²)", jm)
    via_geometry = jacobi_newton_equations(flat, U)
    yield DemoStep(GEOMETRISED_MECHANICS, "eqs. (80)-(82)",
                   "its geodesics, with dt = ds/(√2(E-U)), are Newton's equations", via_geometry,
                   _same_all(via_geometry, newton.accelerations))
    f = sp.Function("f")(x, y)
    conformal = geodesic_equations(Metric((x, y), f * sp.eye(2)))
    xd, yd = sp.symbols("xdot ydot")
    fx, fy = f.diff(x), f.diff(y)
    article_84 = (-fx / (2 * f) * xd**2 + fx / (2 * f) * yd**2 - fy / f * xd * yd,
                  -fy / (2 * f) * yd**2 + fy / (2 * f) * xd**2 - fx / f * xd * yd)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (84)", "geodesics of f(x,y)(dx²+dy²) in arc length", conformal,
                   _same_all(conformal.accelerations, article_84))
    worked = Metric.from_line_element("(x**2 + y**2)/2*(dx**2 + dy**2)", "x y")
    system = euler_lagrange(conformal_mechanics(worked))
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (86)",
                   "with dt = sqrt((dx²+dy²)/(2f)), f = (x²+y²)/2: potential -f at E = 0", system,
                   system.accelerations == (x, y))
    t = sp.Symbol("t")
    X, Y = sp.Function("X")(t), sp.Function("Y")(t)
    solution = sp.dsolve([sp.Eq(X.diff(t, 2), X), sp.Eq(Y.diff(t, 2), Y)])
    yield DemoStep(GEOMETRISED_MECHANICS, "closed form", "its geodesics, solved (constants tied by E = 0)",
                   tuple(solution))


def ml_available() -> bool:
    """Whether PyTorch can be imported, so that the isotropy and training steps can run.

    Examples
    --------
    >>> isinstance(ml_available(), bool)
    True
    """
    return importlib.util.find_spec("torch") is not None


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


# ----------------------------------------------------------------------------- isotropy

@dataclass(frozen=True)
class IsotropyCase:
    """The numbers behind the isotropy steps and their picture (see :func:`isotropy_case`).

    Attributes
    ----------
    polar_error, formula_error : float
        Largest entry of ``msign(M) - U V^T`` and of ``msign(M) - M (M^T M)^{-1/2}`` (64×32, float64).
    sigma_in, sigma_jordan, sigma_minimax : ndarray, shape (32,)
        Singular values of ``M`` and of its Newton–Schulz matrix sign (Jordan quintic in
        bfloat16, minimax quintics in float32), input order.
    cosines : dict
        Per optimizer (``SGD``, ``SignSGD``, ``Muon``): the cosine between ``ΔY`` and the
        feature-space steepest step, for raw and for whitened inputs.
    gaps : dict
        Per optimizer: ``‖ΔY - step‖/‖step‖`` for whitened inputs, where ``step`` is the
        feature-space steepest step restricted to the outputs the layer can reach.
    wide_gap : float
        Muon with ``b ≤ d_in`` whitened inputs (``XX^T = I``): ``‖ΔY + η msign(G)‖/‖η msign(G)‖``.
    condition : tuple of float
        Condition number of ``X^T X``, raw and whitened.
    layers : dict
        Largest entry of the difference between each normalisation and its whitening.
    """

    polar_error: float
    formula_error: float
    sigma_in: NDArray[np.float64]
    sigma_jordan: NDArray[np.float64]
    sigma_minimax: NDArray[np.float64]
    cosines: dict[str, tuple[float, float]]
    gaps: dict[str, float]
    wide_gap: float
    condition: tuple[float, float]
    layers: dict[str, float]


JORDAN_BAND = (0.65, 1.25)
"""Singular values of ``NewtonSchulz()`` (5 Jordan quintic steps, bfloat16) for σ ≥ 2e-3 ‖M‖_F."""

MINIMAX_BAND = (0.96, 1.04)
"""Singular values of ``NewtonSchulz(MINIMAX_QUINTIC)`` in float32 for σ ≥ 2e-3 ‖M‖_F."""


def _inverse_sqrt(A: torch.Tensor) -> torch.Tensor:
    """``A^{-1/2}`` of a symmetric positive definite matrix, by its eigendecomposition."""
    import torch

    w, V = torch.linalg.eigh(A)
    return (V / w.sqrt()) @ V.mT


@functools.cache
def isotropy_case() -> IsotropyCase:
    """Compute the isotropy steps once: msign, its band, ΔY of three optimizers, normalisations.

    A 64×32 matrix for msign; a layer with ``b = 64`` samples, ``d_in = 16`` inputs of
    scales from 1 to 1/30 and ``d_out = 8`` outputs for ΔY; everything seeded, in float64
    except the Newton–Schulz iterations.
    """
    import torch

    from extremal.optim import (
        MINIMAX_QUINTIC,
        FeatureDiagonal,
        Frobenius,
        MaxNorm,
        NewtonSchulz,
        SampleDiagonal,
        Spectral,
        SVDPolar,
        feature_step,
        isotropy,
        msign,
        output_change,
        whiten,
    )

    gen = torch.Generator().manual_seed(11549)
    f64 = torch.float64
    M = torch.randn(64, 32, generator=gen, dtype=f64)
    U, _, Vh = torch.linalg.svd(M, full_matrices=False)
    polar = msign(M, SVDPolar())
    polar_error = float((polar - U @ Vh).abs().max())
    formula_error = float((polar - M @ _inverse_sqrt(M.mT @ M)).abs().max())

    sigma = torch.logspace(0, -2, 32, dtype=f64)  # smallest 0.01 ≥ 2e-3 ‖M‖_F ≈ 0.004
    Q1, _ = torch.linalg.qr(torch.randn(64, 32, generator=gen, dtype=f64))
    Q2, _ = torch.linalg.qr(torch.randn(32, 32, generator=gen, dtype=f64))
    A = (Q1 * sigma) @ Q2.mT

    def singular_values(method: Any) -> NDArray[np.float64]:
        out = method(A.to(torch.float32)).to(f64)
        return ((Q1.mT @ out @ Q2).diagonal()).numpy()  # the singular vectors are kept

    sigma_jordan = singular_values(NewtonSchulz())
    sigma_minimax = singular_values(NewtonSchulz(MINIMAX_QUINTIC, dtype=torch.float32))

    X = torch.randn(64, 16, generator=gen, dtype=f64) * torch.logspace(0, -1.5, 16, dtype=f64)
    G = torch.randn(64, 8, generator=gen, dtype=f64)
    Xw = whiten(X)
    lr = 0.1
    norms = {"SGD": Frobenius(), "SignSGD": MaxNorm(), "Muon": Spectral(SVDPolar())}
    cosines: dict[str, tuple[float, float]] = {}
    gaps: dict[str, float] = {}
    for name, norm in norms.items():
        pair = []
        for inputs in (X, Xw):
            change = output_change(inputs, G, lr, norm)
            step = feature_step(G, lr, norm, X=inputs)
            pair.append(float((change * step).sum() / (change.norm() * step.norm())))
            if inputs is Xw:
                gaps[name] = float((change - step).norm() / step.norm())
        cosines[name] = (pair[0], pair[1])
    wide = whiten(torch.randn(16, 64, generator=gen, dtype=f64) * torch.logspace(0, -1.5, 64, dtype=f64))
    Gw = torch.randn(16, 8, generator=gen, dtype=f64)
    target = -lr * msign(Gw, SVDPolar())
    wide_gap = float((output_change(wide, Gw, lr, Spectral(SVDPolar())) - target).norm() / target.norm())
    condition = (isotropy(X).condition_number, isotropy(Xw).condition_number)

    b, d = X.shape
    batch_norm = torch.nn.BatchNorm1d(d, eps=1e-300, affine=False, track_running_stats=False, dtype=f64)
    layer_norm = torch.nn.LayerNorm(d, eps=0.0, elementwise_affine=False, dtype=f64)
    rms_norm = torch.nn.RMSNorm(d, eps=0.0, elementwise_affine=False, dtype=f64)
    with torch.no_grad():
        layers = {
            "X(XᵀX)^(-1/2)": float((Xw - X @ _inverse_sqrt(X.mT @ X)).abs().max()),
            "(XA)ᵀ(XA) - I": float((Xw.mT @ Xw - torch.eye(d, dtype=f64)).abs().max()),
            "BatchNorm": float((batch_norm(X) - b**0.5 * whiten(X, FeatureDiagonal(), center=True)).abs().max()),
            "LayerNorm": float((layer_norm(X) - d**0.5 * whiten(X, SampleDiagonal(), center=True)).abs().max()),
            "RMSNorm": float((rms_norm(X) - d**0.5 * whiten(X, SampleDiagonal())).abs().max()),
        }
    return IsotropyCase(polar_error, formula_error, sigma.numpy(), sigma_jordan, sigma_minimax, cosines, gaps,
                        wide_gap, condition, layers)


def _isotropy() -> Iterator[DemoStep]:
    case = isotropy_case()
    yield DemoStep(ISOTROPY, "§Beyond SGD", "msign(M) = M(MᵀM)^(-1/2) is the polar factor UVᵀ (64×32, SVDPolar)",
                   f"max |msign(M) - UVᵀ| = {case.polar_error:.1e}; "
                   f"max |msign(M) - M(MᵀM)^(-1/2)| = {case.formula_error:.1e}",
                   case.polar_error < 1e-12 and case.formula_error < 1e-10)
    jordan = (float(case.sigma_jordan.min()), float(case.sigma_jordan.max()))
    minimax = (float(case.sigma_minimax.min()), float(case.sigma_minimax.max()))
    yield DemoStep(ISOTROPY, "§Beyond SGD",
                   "Newton-Schulz msign keeps every singular value σ ≥ 2e-3‖M‖_F inside its band",
                   f"σ from {case.sigma_in.min():g} to {case.sigma_in.max():g} map to\n"
                   f"  NewtonSchulz(), Jordan quintic x5, bfloat16:  [{jordan[0]:.3f}, {jordan[1]:.3f}] "
                   f"within [{JORDAN_BAND[0]}, {JORDAN_BAND[1]}]\n"
                   f"  NewtonSchulz(MINIMAX_QUINTIC), float32:       [{minimax[0]:.3f}, {minimax[1]:.3f}] "
                   f"within [{MINIMAX_BAND[0]}, {MINIMAX_BAND[1]}]",
                   JORDAN_BAND[0] <= jordan[0] and jordan[1] <= JORDAN_BAND[1]
                   and MINIMAX_BAND[0] <= minimax[0] and minimax[1] <= MINIMAX_BAND[1])
    rows = "\n".join(f"  {name:8s} {raw:10.6f} {white:10.6f}   {case.gaps[name]:.1e}"
                     for name, (raw, white) in case.cosines.items())
    yield DemoStep(ISOTROPY, "§Switching viewpoint, §Beyond SGD",
                   "ΔY = -ηX D(XᵀG) against the feature-space steepest step -η D(P G), raw and whitened inputs "
                   "(b = 64 > d_in = 16, P = XX⁺)",
                   f"cos(ΔY, step)     raw   whitened   |ΔY - step|/|step| (whitened)\n{rows}\n"
                   f"  κ(XᵀX): raw {case.condition[0]:.3g}, whitened {case.condition[1]:.3g}",
                   all(case.cosines[name][0] < 0.999 for name in case.cosines)
                   and case.gaps["SGD"] < 1e-10 and case.gaps["Muon"] < 1e-10 and case.gaps["SignSGD"] > 1e-2)
    yield DemoStep(ISOTROPY, "§Beyond SGD",
                   "with XXᵀ = I (b = 16 ≤ d_in = 64, whitened) Muon's ΔY is -η msign(∂L/∂Y) itself",
                   f"|ΔY + η msign(G)| / |η msign(G)| = {case.wide_gap:.1e}", case.wide_gap < 1e-10)
    rows = "\n".join(f"  {name:14s} {value:.1e}" for name, value in case.layers.items())
    yield DemoStep(ISOTROPY, "§Normalisation layers",
                   "whitening X(XᵀX)^(-1/2) and its diagonal forms: BatchNorm = √b·FeatureDiagonal (centred), "
                   "LayerNorm = √d·SampleDiagonal (centred), RMSNorm = √d·SampleDiagonal",
                   f"largest entry of the difference\n{rows}", all(v < 1e-12 for v in case.layers.values()))


# ------------------------------------------------------------------------ learning rates

def _refined_derivation() -> Iterator[DemoStep]:
    t, s, big_t, R = sp.symbols("t s T R", positive=True)
    W, Wdot = sp.symbols("W Wdot")
    W0 = sp.Symbol("W_0", positive=True)
    G = sp.Function("G")
    action = Lagrangian(2 * Wdot**2 * G(t) ** 2, (W,), t)
    yield DemoStep(LEARNING_RATES, "(eq:int-approx)",
                   "(leq:last-2) with η_t ≈ -Ṡ_t, S_t = W_t²: R²/(2W₀²) + ∫ L dt, the Lagrangian", action)
    eom = euler_lagrange(action)
    momentum = 4 * Wdot * G(t) ** 2
    yield DemoStep(LEARNING_RATES, "after (eq:int-approx)",
                   "its Euler-Lagrange equation d/dt(Ẇ G²) = 0: Ẇ ∝ G⁻²", eom.conservation_form,
                   eom.forces == (0,) and _same(eom.momenta[0], momentum))
    rest = sp.Integral(G(s) ** -2, (s, t, big_t))
    total = sp.Symbol("Q", positive=True)  # ∫_0^T G⁻² ds
    w = W0 * rest / total
    wdot = sp.diff(w, t)
    solves = _same(sp.diff(wdot * G(t) ** 2, t), 0) and _same(w.subs(t, big_t).doit(), 0)
    value = R**2 / (2 * W0**2) + 2 * W0**2 / total  # 2∫Ẇ²G² dt = 2W₀²/Q for this W
    (best,) = [r for r in sp.solve(sp.diff(value, W0), W0) if r.is_positive]
    eta = sp.simplify((-2 * w * wdot).subs(W0, best))
    article = R * G(t) ** -2 * rest / total ** sp.Rational(3, 2)
    yield DemoStep(LEARNING_RATES, "before (eq:last-2-opt-lr)",
                   "W_t = W₀∫_t^T G⁻²/Q solves it (W_T = 0); the best W₀ has 2W₀² = R√Q; η_t = -2W_t Ẇ_t "
                   "with Q = ∫_0^T G⁻² ds", sp.Eq(sp.Symbol("eta_t"), eta),
                   solves and _same(2 * best**2, R * sp.sqrt(total)) and _same(eta, article))
    from extremal.optim import refined

    rates = refined([1.0, 1.0, 1.0, 1.0], radius=8.0)
    yield DemoStep(LEARNING_RATES, "(eq:last-2-opt-lr)",
                   "discrete form η_t = R G_t⁻²(1 - Q_t/Q_T)/√Q_T; constant G_t = 1, R = 8, T = 4: linear decay",
                   f"refined([1, 1, 1, 1], radius=8) = {np.round(rates, 12).tolist()}",
                   bool(np.allclose(rates, [3.0, 2.0, 1.0, 0.0], rtol=1e-12, atol=0.0)))


@dataclass(frozen=True)
class TrainingCase:
    """Two SGD runs on noisy least squares: the logged first run and the refined second run.

    Attributes
    ----------
    norms : ndarray, shape (T,)
        ``G_t`` logged by :class:`~extremal.optim.GradNormRecorder` in the first run.
    smoothed : ndarray, shape (T,)
        ``sqrt`` of the trailing mean of ``G_t²`` over 20 steps: the article's
        :math:`G_t = \\sqrt{\\mathbb E\\|g_t\\|^2}` estimated from one run.
    radius : float
        ``R``: the largest distance from the start the first run reached.
    first_lrs, refined_lrs : ndarray, shape (T,)
        The rates of the first run (parameter-free AdaGrad-norm) and the refined schedule.
    first_loss, second_loss : ndarray, shape (T,)
        Full-data loss minus its minimum after each step of each run.
    """

    norms: NDArray[np.float64]
    smoothed: NDArray[np.float64]
    radius: float
    first_lrs: NDArray[np.float64]
    refined_lrs: NDArray[np.float64]
    first_loss: NDArray[np.float64]
    second_loss: NDArray[np.float64]


TRAINING_STEPS = 400
"""Steps of each demo run: minibatches of 8 from 2000 noisy least-squares samples in 20 dimensions."""

_SMOOTHING = 20


def _smoothed(norms: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    squares = np.concatenate(([0.0], np.cumsum(norms**2)))
    steps = np.arange(1, norms.size + 1)
    start = np.maximum(0, steps - window)
    return np.sqrt((squares[steps] - squares[start]) / (steps - start))


@functools.cache
def training_case() -> TrainingCase:
    """Train once with parameter-free AdaGrad-norm while logging ``G_t``, refine, train again.

    Noisy least squares (20 features of scales 1 to 1/10, noise 0.5), minibatch SGD,
    :data:`TRAINING_STEPS` steps, the same data and seed for both runs; float64, one thread.
    """
    import torch

    from extremal.optim import AdaGradNorm, GradNormLR, GradNormRecorder, refined

    f64 = torch.float64
    gen = torch.Generator().manual_seed(11530)
    X = torch.randn(2000, 20, generator=gen, dtype=f64) * torch.logspace(0, -1, 20, dtype=f64)
    y = X @ torch.randn(20, generator=gen, dtype=f64) + 0.5 * torch.randn(2000, generator=gen, dtype=f64)
    best = 0.5 * float(((X @ torch.linalg.lstsq(X, y).solution - y) ** 2).mean())

    def run(rates: NDArray[np.float64] | None) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
        w = torch.zeros(20, dtype=f64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=1.0)
        recorder = GradNormRecorder(opt)
        sched = GradNormLR(opt, AdaGradNorm()) if rates is None else None
        batches = torch.Generator().manual_seed(1)
        losses, lrs = [], []
        for step in range(TRAINING_STEPS):
            rows = torch.randint(0, X.shape[0], (8,), generator=batches)
            opt.zero_grad()
            (0.5 * ((X[rows] @ w - y[rows]) ** 2).mean()).backward()
            if rates is not None:
                opt.param_groups[0]["lr"] = float(rates[step])
            opt.step()
            lrs.append(float(opt.param_groups[0]["lr"]))
            if sched is not None:
                sched.step()
            with torch.no_grad():
                losses.append(0.5 * float(((X @ w - y) ** 2).mean()) - best)
        recorder.remove()
        if sched is not None:
            sched.remove()
        return np.asarray(losses), np.asarray(lrs), recorder

    with _one_thread():
        first_loss, first_lrs, recorder = run(None)
        smoothed = _smoothed(recorder.norms, _SMOOTHING)
        radius = recorder.max_distance
        refined_lrs = refined(smoothed, radius=radius)
        second_loss, _, _ = run(refined_lrs)
    return TrainingCase(recorder.norms, smoothed, radius, first_lrs, refined_lrs, first_loss, second_loss)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block (small tensors: threads only add overhead)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _bounds() -> Iterator[DemoStep]:
    from extremal.errors import InputError
    from extremal.optim import (
        AdaGradNorm,
        InverseSquare,
        LastIterate,
        RefinedCausal,
        average_bound,
        bounded_domain_average_bound,
        constant_optimal,
        inverse_square_optimal,
        last_iterate_bound_best_final_rate,
        last_iterate_bound_non_increasing,
        last_iterate_constant,
        recency_weighted_sum_of_squares,
        refined,
        weighted_average_bound,
    )

    case = training_case()
    g, R, T = case.smoothed, case.radius, case.smoothed.size
    yield DemoStep(LEARNING_RATES, "(leq:E-L)",
                   f"first run: SGD, parameter-free AdaGrad-norm (GradNormLR), {T} steps, G_t logged "
                   "(GradNormRecorder), smoothed over 20 steps to estimate G_t = √E‖g_t‖²",
                   f"G_1 = {g[0]:.3g}, G_T = {g[-1]:.3g}; R = max ‖θ_t - θ_1‖ = {R:.4g}; "
                   f"final excess loss {case.first_loss[-1]:.3e}")
    schedules = {
        "R/√V_T": constant_optimal(g, R),
        "R/√V_t (AdaGrad-norm)": AdaGradNorm().rates(g, R),
        "R G_t⁻²/√Q_T": inverse_square_optimal(g, R),
        "R G_t⁻²/√Q_t": InverseSquare().rates(g, R),
        "R/√(TṼ_T)": last_iterate_constant(g, R),
        "R/√(TṼ_t)": LastIterate(T).rates(g, R),
        "refined": refined(g, R),
        "refined, causal": RefinedCausal(T).rates(g, R),
    }
    bounds = {
        "old-avg": bounded_domain_average_bound,
        "avg": average_bound,
        "avg-weighted": weighted_average_bound,
        "last-1": last_iterate_bound_non_increasing,
        "last-2": lambda lrs, norms, radius: last_iterate_bound_best_final_rate(lrs[:-1], norms, radius),
    }
    values: dict[str, dict[str, float | None]] = {}
    for name, lrs in schedules.items():
        values[name] = {}
        for label, bound in bounds.items():
            try:
                values[name][label] = bound(lrs, g, R)
            except InputError:  # a bound for non-increasing rates, given rates that increase
                values[name][label] = None
    head = f"  {'schedule':22s}" + "".join(f"{label:>13s}" for label in bounds)
    lines = [head] + [f"  {name:22s}" + "".join("            —" if v is None else f"{v:13.4e}" for v in row.values())
                      for name, row in values.items()]
    yield DemoStep(LEARNING_RATES, "(leq:old-avg) (leq:avg-weighted) (leq:last-1) (leq:last-2)",
                   "every bound for every schedule of the article on the logged norms (—: the bound assumes "
                   "non-increasing rates and these increase)", "\n".join(lines))

    v_total = float(np.sum(g**2))
    q = np.cumsum(g**-2.0)
    v_tilde = float(recency_weighted_sum_of_squares(g)[-1])
    def known(name: str, label: str) -> float:
        """The bound's value, or nan (which fails every check) where it does not apply."""
        value = values[name][label]
        return np.nan if value is None else value

    old = known("R/√V_T", "old-avg")
    yield DemoStep(LEARNING_RATES, "(leq:old-avg-optimal)",
                   "the constant rate R/√V_T attains the minimum R√V_T/T of (leq:old-avg)",
                   f"{old:.6e} = {R * np.sqrt(v_total) / T:.6e}", _close(old, R * np.sqrt(v_total) / T))
    ada = known("R/√V_t (AdaGrad-norm)", "old-avg")
    yield DemoStep(LEARNING_RATES, "(eq:adagrad-mini)",
                   "AdaGrad-norm R/√V_t stays within 3R√V_T/(2T), 1.5 times the optimum",
                   f"{ada:.6e} ≤ {1.5 * R * np.sqrt(v_total) / T:.6e}",
                   ada <= 1.5 * R * np.sqrt(v_total) / T)
    weighted = known("R G_t⁻²/√Q_T", "avg-weighted")
    yield DemoStep(LEARNING_RATES, "(leq:avg-weighted)",
                   "η_t = R G_t⁻²/√Q_T (Cauchy-Schwarz equality) attains R/√Q_T",
                   f"{weighted:.6e} = {R / np.sqrt(q[-1]):.6e}",
                   _close(weighted, R / np.sqrt(q[-1])))
    causal = known("R G_t⁻²/√Q_t", "avg-weighted")
    limit = R / np.sqrt(q[-1]) * (1 + 0.5 * np.log(q[-1] / q[0]))
    yield DemoStep(LEARNING_RATES, "after (leq:avg-weighted)",
                   "its causal form R G_t⁻²/√Q_t stays within R/√Q_T (1 + ½ ln(Q_T/Q_1))",
                   f"{causal:.6e} ≤ {limit:.6e}", causal <= limit)
    last = known("R/√(TṼ_T)", "last-1")
    yield DemoStep(LEARNING_RATES, "(leq:last-1)",
                   "the constant rate R/√(TṼ_T) attains R√(Ṽ_T/T)",
                   f"{last:.6e} = {R * np.sqrt(v_tilde / T):.6e}",
                   _close(last, R * np.sqrt(v_tilde / T)))
    rises = values["R/√(TṼ_t)"]["last-1"] is None
    causal = known("R/√(TṼ_t)", "last-1")
    limit = R / 2 * np.sqrt(v_tilde / T) * (3 + np.log(T))
    yield DemoStep(LEARNING_RATES, "after (leq:last-1)",
                   "its causal form R/√(TṼ_t) stays within (R/2)√(Ṽ_T/T)(3 + ln T) where its rates never increase",
                   "these rates increase, so (leq:last-1) does not apply" if rises
                   else f"{causal:.6e} ≤ {limit:.6e}", None if rises else causal <= limit)
    direct = R * g**-2.0 * (q[-1] - q) / q[-1] ** 1.5
    gap = float(np.max(np.abs(schedules["refined"] - direct)) / np.max(direct))
    yield DemoStep(LEARNING_RATES, "(eq:last-2-opt-lr)",
                   "refined(norms, R) on the logged norms against R G_t⁻²(Q_T - Q_t)/Q_T^(3/2) written out",
                   f"largest difference {gap:.1e} of the peak rate", gap < 1e-12)
    last2 = {name: known(name, "last-2") for name in values}
    others = sorted(v for name, v in last2.items() if name != "refined")
    yield DemoStep(LEARNING_RATES, "(eq:last-2-opt-lr)",
                   "the refined schedule gives the smallest (leq:last-2) of all these schedules",
                   f"refined {last2['refined']:.6e}; next best {others[0]:.6e}",
                   last2["refined"] < others[0])
    peak = int(np.argmax(case.refined_lrs))
    yield DemoStep(LEARNING_RATES, "after (eq:last-2-opt-lr)",
                   "second run: SGD with the refined schedule of the logged norms: warm-up (G_t⁻²), then decay "
                   "(1 - Q_t/Q_T)",
                   f"peak rate {case.refined_lrs[peak]:.3g} at step {peak + 1} of {T}; final excess loss "
                   f"{case.second_loss[-1]:.3e} against {case.first_loss[-1]:.3e} in the first run "
                   f"({case.first_loss[-1] / case.second_loss[-1]:.2f}x lower)",
                   0 < peak < T - 1 and case.second_loss[-1] < case.first_loss[-1])


def demo_steps() -> Iterator[DemoStep]:
    """All worked examples, article by article, in the order the articles build up.

    The coordinate changes come first, then geodesics, then mechanics made geometric; then
    isotropy and steepest descent, then learning rates from gradient norms. Without torch
    (:func:`ml_available` is false) the isotropy steps and the training runs are left out
    and only the derivation of the refined schedule is given for the last article.

    Examples
    --------
    >>> step = next(demo_steps())
    >>> step.article.url, step.equation
    ('https://kexue.fm/archives/3181', 'eq. (2)')
    """
    yield from _coordinate_changes()
    yield from _geodesics()
    yield from _geometrised_mechanics()
    torch = ml_available()
    if torch:
        yield from _isotropy()
    yield from _refined_derivation()
    if torch:
        yield from _bounds()
