"""Charts whose curvature is known in closed form, written as in the textbooks.

Plain SymPy only (no extremal import): ``benchmarks/bench_zero.py`` loads this module and
hands the same metrics to its peers in another interpreter.

Every line element below was checked against its source: the flat charts by pulling the
Euclidean metric back through the embedding (x, y, z as functions of the chart), the rest
against the closed forms of the literature (maximally symmetric spaces: R_ab = (R/n) g_ab;
surfaces ds² = dx² + G(x)² dy²: K = -G''/G).
"""

from __future__ import annotations

import sympy as sp

# name -> (line element, coords). Flat space, so every curvature component is exactly 0.
FLAT: dict[str, tuple[str, str]] = {
    # Euclidean 3-space
    "spherical": ("dr**2 + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2", "r theta phi"),
    "cylindrical": ("drho**2 + rho**2*dphi**2 + dz**2", "rho phi z"),
    # x = (u² - v²)/2, y = u v
    "parabolic_cylindrical": ("(u**2 + v**2)*(du**2 + dv**2) + dz**2", "u v z"),
    # x = u v cos φ, y = u v sin φ, z = (u² - v²)/2
    "parabolic": ("(u**2 + v**2)*(du**2 + dv**2) + u**2*v**2*dphi**2", "u v phi"),
    # x = a sinh μ sin ν cos φ, y = a sinh μ sin ν sin φ, z = a cosh μ cos ν
    "prolate_spheroidal": (
        "a**2*(sinh(mu)**2 + sin(nu)**2)*(dmu**2 + dnu**2) + a**2*sinh(mu)**2*sin(nu)**2*dphi**2",
        "mu nu phi",
    ),
    # x = a cosh μ cos ν cos φ, y = a cosh μ cos ν sin φ, z = a sinh μ sin ν
    "oblate_spheroidal": (
        "a**2*(sinh(mu)**2 + sin(nu)**2)*(dmu**2 + dnu**2) + a**2*cosh(mu)**2*cos(nu)**2*dphi**2",
        "mu nu phi",
    ),
    # x = a cosh μ cos ν, y = a sinh μ sin ν
    "elliptic_cylindrical": ("a**2*(sinh(mu)**2 + sin(nu)**2)*(dmu**2 + dnu**2) + dz**2", "mu nu z"),
    # x = a sin σ cos φ / (cosh τ - cos σ), y = a sin σ sin φ / (…), z = a sinh τ / (…)
    "bispherical": (
        "a**2/(cosh(tau) - cos(sigma))**2*(dsigma**2 + dtau**2 + sin(sigma)**2*dphi**2)",
        "sigma tau phi",
    ),
    # x = a sinh τ cos φ / (cosh τ - cos σ), y = a sinh τ sin φ / (…), z = a sin σ / (…)
    "toroidal": (
        "a**2/(cosh(tau) - cos(sigma))**2*(dtau**2 + dsigma**2 + sinh(tau)**2*dphi**2)",
        "tau sigma phi",
    ),
    # x = r μ ν/(b c), y = (r/b) sqrt((μ²-b²)(ν²-b²)/(b²-c²)), z = (r/c) sqrt((μ²-c²)(ν²-c²)/(c²-b²)),
    # ν² < c² < μ² < b²
    "conical": (
        "dr**2 + r**2*(mu**2 - nu**2)/((b**2 - mu**2)*(mu**2 - c**2))*dmu**2"
        " + r**2*(mu**2 - nu**2)/((b**2 - nu**2)*(c**2 - nu**2))*dnu**2",
        "r mu nu",
    ),
    # x² = (a²+λ)(a²+μ)(a²+ν)/((a²-b²)(a²-c²)) and cyclically, λ > -c² > μ > -b² > ν > -a²
    "ellipsoidal": (
        "(lam - mu)*(lam - nu)/(4*(a**2 + lam)*(b**2 + lam)*(c**2 + lam))*dlam**2"
        " + (mu - lam)*(mu - nu)/(4*(a**2 + mu)*(b**2 + mu)*(c**2 + mu))*dmu**2"
        " + (nu - lam)*(nu - mu)/(4*(a**2 + nu)*(b**2 + nu)*(c**2 + nu))*dnu**2",
        "lam mu nu",
    ),
    # the Euclidean plane
    "elliptic_2d": ("a**2*(sinh(mu)**2 + sin(nu)**2)*(dmu**2 + dnu**2)", "mu nu"),
    "parabolic_2d": ("(u**2 + v**2)*(du**2 + dv**2)", "u v"),
    # x = r cos θ, y = 2 r sin θ, written with double angles only
    "stretched_polar_double_angle": (
        "(5 - 3*cos(2*theta))/2*dr**2 + 3*r*sin(2*theta)*dr*dtheta + r**2*(5 + 3*cos(2*theta))/2*dtheta**2",
        "r theta",
    ),
    # the same chart, sin 2θ next to sin²θ and cos²θ
    "stretched_polar_mixed": (
        "(1 + 3*sin(theta)**2)*dr**2 + 3*r*sin(2*theta)*dr*dtheta + r**2*(1 + 3*cos(theta)**2)*dtheta**2",
        "r theta",
    ),
    # Minkowski space
    "rindler": ("-x**2*dt**2 + dx**2 + dy**2 + dz**2", "t x y z"),
    "rindler_2d": ("-(1 + alpha*x)**2*dt**2 + dx**2", "t x"),
    "milne": ("-dt**2 + t**2*(dchi**2 + sinh(chi)**2*(dtheta**2 + sin(theta)**2*dphi**2))", "t chi theta phi"),
    "milne_2d": ("-dt**2 + t**2*dx**2", "t x"),
}

# name -> (line element, coords, Ricci scalar R). Maximally symmetric 4-D: R_ab = (R/4) g_ab,
# Kretschmann R²/6.
EINSTEIN: dict[str, tuple[str, str, str]] = {
    "de_sitter_static": (
        "-(1 - H**2*r**2)*dt**2 + dr**2/(1 - H**2*r**2) + r**2*(dtheta**2 + sin(theta)**2*dphi**2)",
        "t r theta phi", "12*H**2",
    ),
    "de_sitter_flat": ("-dt**2 + exp(2*H*t)*(dx**2 + dy**2 + dz**2)", "t x y z", "12*H**2"),
    "de_sitter_closed": (
        "-dt**2 + cosh(H*t)**2/H**2*(dchi**2 + sin(chi)**2*(dtheta**2 + sin(theta)**2*dphi**2))",
        "t chi theta phi", "12*H**2",
    ),
    "de_sitter_open": (
        "-dt**2 + sinh(H*t)**2/H**2*(dchi**2 + sinh(chi)**2*(dtheta**2 + sin(theta)**2*dphi**2))",
        "t chi theta phi", "12*H**2",
    ),
    # the closed slicing with cosh² = (1 + cosh 2Ht)/2 and sin² = (1 - cos 2χ)/2
    "de_sitter_closed_double_angle": (
        "-dt**2 + (1 + cosh(2*H*t))/(2*H**2)*(dchi**2 + (1 - cos(2*chi))/2*(dtheta**2 + sin(theta)**2*dphi**2))",
        "t chi theta phi", "12*H**2",
    ),
    # EinsteinPy's test metric (tests/test_symbolic/test_ricci.py, anti_de_sitter_metric)
    "anti_de_sitter_einsteinpy": (
        "-dt**2 + cos(t)**2*(dchi**2 + sinh(chi)**2*(dtheta**2 + sin(theta)**2*dphi**2))",
        "t chi theta phi", "-12",
    ),
    "anti_de_sitter_static": (
        "-(1 + r**2/ell**2)*dt**2 + dr**2/(1 + r**2/ell**2) + r**2*(dtheta**2 + sin(theta)**2*dphi**2)",
        "t r theta phi", "-12/ell**2",
    ),
    "anti_de_sitter_poincare": ("ell**2/z**2*(-dt**2 + dx**2 + dy**2 + dz**2)", "t x y z", "-12/ell**2"),
}

# name -> (line element, coords, Gaussian curvature K). Surfaces written through an identity.
REWRITES: dict[str, tuple[str, str, str]] = {
    "sphere_double_angle": ("a**2*dtheta**2 + a**2*(1 - cos(2*theta))/2*dphi**2", "theta phi", "1/a**2"),
    # sin 2θ / (2 cos θ) = sin θ
    "sphere_sin_2theta_over_cos": ("dtheta**2 + sin(2*theta)**2/(4*cos(theta)**2)*dphi**2", "theta phi", "1"),
    # (c + b cos v)² with cos² v = (1 + cos 2v)/2
    "torus_double_angle": (
        "(c**2 + 2*b*c*cos(v) + b**2*(1 + cos(2*v))/2)*du**2 + b**2*dv**2",
        "u v", "cos(v)/(b*(c + b*cos(v)))",
    ),
    "hyperbolic_exp": ("drho**2 + (exp(rho) - exp(-rho))**2/4*dphi**2", "rho phi", "-1"),
    "hyperbolic_cosh_squared_minus_one": ("drho**2 + (cosh(rho)**2 - 1)*dphi**2", "rho phi", "-1"),
    # e^{2x} + 2e^x + 1 = (e^x + 1)²
    "exp_square": ("dx**2 + (exp(2*x) + 2*exp(x) + 1)*dy**2", "x y", "-exp(x)/(exp(x) + 1)"),
    # G = sin θ + sin 2θ = sin θ (1 + 2 cos θ), -G''/G = (1 + 8 cos θ)/(1 + 2 cos θ)
    "single_and_double_angle": (
        "dtheta**2 + (sin(theta) + sin(2*theta))**2*dphi**2",
        "theta phi", "(1 + 8*cos(theta))/(1 + 2*cos(theta))",
    ),
    # G = e^{cos x}, -G''/G = cos x - sin² x
    "exp_cos": ("dx**2 + exp(2*cos(x))*dy**2", "x y", "cos(x) - sin(x)**2"),
}

# name -> (line element with floats, its rational twin, coords, the twin's R, the twin's Kretschmann)
FLOAT_TWINS: dict[str, tuple[str, str, str, str, str]] = {
    # 2m = 2*0.5*M: m = M/2
    "schwarzschild_2x0.5": (
        "-(1 - 2*0.5*M/r)*dt**2 + dr**2/(1 - 2*0.5*M/r) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
        "-(1 - M/r)*dt**2 + dr**2/(1 - M/r) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
        "t r theta phi", "0", "12*M**2/r**6",
    ),
    # m = 0.3 M, not a binary fraction
    "schwarzschild_0.3": (
        "-(1 - 0.6*M/r)*dt**2 + dr**2/(1 - 0.6*M/r) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
        "-(1 - 3*M/(5*r))*dt**2 + dr**2/(1 - 3*M/(5*r)) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
        "t r theta phi", "0", "108*M**2/(25*r**6)",
    ),
    # H = 1/2: R = 12 H², Kretschmann R²/6
    "de_sitter_flat_0.5": (
        "-dt**2 + exp(2*0.5*t)*(dx**2 + dy**2 + dz**2)",
        "-dt**2 + exp(t)*(dx**2 + dy**2 + dz**2)",
        "t x y z", "3", "3/2",
    ),
}


def metric_matrix(line_element: str, coords: str) -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """The coordinates and the matrix g_ij of ``line_element``, with SymPy alone (g is not expanded)."""
    symbols = sp.symbols(coords)
    symbols = (symbols,) if isinstance(symbols, sp.Symbol) else tuple(symbols)
    diffs = [sp.Symbol(f"d{q.name}") for q in symbols]
    names = {q.name: q for q in (*symbols, *diffs)}
    expr = sp.parse_expr(line_element, local_dict=names)
    n = len(symbols)
    g = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            # the quadratic form's coefficient of dx^i dx^j
            c = expr.diff(diffs[i]).diff(diffs[j]).subs({d: 0 for d in diffs})
            g[i, j] = g[j, i] = c / 2
    return symbols, g


t, x, y, z = sp.symbols("t x y z")
M, a = sp.symbols("M a")


def kerr_schild(f: sp.Expr, null: list[sp.Expr]) -> sp.Matrix:
    """η + f l_a l_b in Cartesian (t, x, y, z)."""
    return sp.diag(-1, 1, 1, 1) + f * sp.Matrix(4, 4, lambda i, j: null[i] * null[j])


def kerr_schild_schwarzschild() -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """Schwarzschild as η + (2M/r) l l, r = sqrt(x² + y² + z²), l = (1, x/r, y/r, z/r)."""
    r = sp.sqrt(x**2 + y**2 + z**2)
    return (t, x, y, z), kerr_schild(2 * M / r, [1, x / r, y / r, z / r])


def kerr_schild_kerr() -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """Kerr in Kerr–Schild Cartesian coordinates.

    r² = (ρ² - a²)/2 + sqrt((ρ² - a²)²/4 + a² z²), ρ² = x² + y² + z²; f = 2 M r³/(r⁴ + a² z²),
    l = (1, (r x + a y)/(r² + a²), (r y - a x)/(r² + a²), z/r).
    """
    rho2 = x**2 + y**2 + z**2
    r = sp.sqrt((rho2 - a**2) / 2 + sp.sqrt((rho2 - a**2) ** 2 / 4 + a**2 * z**2))
    null = [1, (r * x + a * y) / (r**2 + a**2), (r * y - a * x) / (r**2 + a**2), z / r]
    return (t, x, y, z), kerr_schild(2 * M * r**3 / (r**4 + a**2 * z**2), null)


def alcubierre() -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """Alcubierre's warp drive: -dt² + (dx - v f(r_s) dt)² + dy² + dz², r_s = sqrt((x - v t)² + y² + z²)."""
    v = sp.Symbol("v")
    shape = sp.Function("f")(sp.sqrt((x - v * t) ** 2 + y**2 + z**2))
    g = sp.diag(-1, 1, 1, 1)
    g[0, 0] = -1 + v**2 * shape**2
    g[0, 1] = g[1, 0] = -v * shape
    return (t, x, y, z), g


def bessel_wave(einsteinpy_order: bool = True) -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
    """Kramer's Bessel gravitational wave, as EinsteinPy's ``BesselGravitationalWave`` builds it.

    EinsteinPy writes ``besselj(rho, 0)`` (order ρ at argument 0) and the float ``1/2``;
    ``einsteinpy_order=False`` gives J_0(ρ), J_1(ρ) as in the paper, with 1/2 rational.
    """
    tt, rho, ph, zz = sp.symbols("t rho phi z")
    C = sp.Symbol("C")
    if einsteinpy_order:
        j0, j1, half = sp.besselj(rho, 0), sp.besselj(rho, 1), 1 / 2
    else:
        j0, j1, half = sp.besselj(0, rho), sp.besselj(1, rho), sp.Rational(1, 2)
    U = C * j0 * sp.cos(tt)
    K = half * C**2 * rho * (rho * (j0**2 + j1**2) - 2 * j0 * j1 * sp.cos(tt) ** 2)
    g = sp.diag(-sp.exp(-2 * U) * sp.exp(2 * K), sp.exp(-2 * U) * sp.exp(2 * K), sp.exp(-2 * U) * rho**2,
                sp.exp(2 * U))
    return (tt, rho, ph, zz), g


# name -> (line element, coords); the textbook Laplacians are in textbook_laplacian.
LAPLACIANS: dict[str, tuple[str, str]] = {
    name: FLAT[name] for name in ("bispherical", "toroidal", "elliptic_cylindrical", "prolate_spheroidal")
}


def textbook_laplacian(name: str) -> sp.Expr:
    """The flat Laplacian of ``u`` in chart ``name``, as in Morse & Feshbach / Moon & Spencer (not expanded)."""
    q = sp.symbols(LAPLACIANS[name][1])
    u = sp.Function("u")(*q)
    d = sp.diff
    if name == "bispherical":
        sigma, tau, phi = q
        D = sp.cosh(tau) - sp.cos(sigma)
        return D**3 / (a**2 * sp.sin(sigma)) * (
            d(sp.sin(sigma) / D * d(u, sigma), sigma) + sp.sin(sigma) * d(d(u, tau) / D, tau)
            + d(u, phi, 2) / (sp.sin(sigma) * D)
        )
    if name == "toroidal":
        tau, sigma, phi = q
        D = sp.cosh(tau) - sp.cos(sigma)
        return D**3 / (a**2 * sp.sinh(tau)) * (
            d(sp.sinh(tau) / D * d(u, tau), tau) + sp.sinh(tau) * d(d(u, sigma) / D, sigma)
            + d(u, phi, 2) / (sp.sinh(tau) * D)
        )
    mu, nu, third = q
    S = sp.sinh(mu) ** 2 + sp.sin(nu) ** 2
    if name == "elliptic_cylindrical":
        return (d(u, mu, 2) + d(u, nu, 2)) / (a**2 * S) + d(u, third, 2)
    if name == "prolate_spheroidal":
        return (d(sp.sinh(mu) * d(u, mu), mu) / sp.sinh(mu) + d(sp.sin(nu) * d(u, nu), nu) / sp.sin(nu)) / (
            a**2 * S
        ) + d(u, third, 2) / (a**2 * sp.sinh(mu) ** 2 * sp.sin(nu) ** 2)
    raise KeyError(name)


def derivative_coefficients(expr: sp.Expr, u: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """``{∂u: its coefficient}`` of an expression linear in u and its derivatives (expanded first).

    Raises ValueError on a term with no factor u or ∂u, or with two.
    """
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        found = [f for f in sp.Mul.make_args(term) if f == u or (isinstance(f, sp.Derivative) and f.expr == u)]
        if len(found) != 1:
            raise ValueError(f"term {term} is not linear in u and its derivatives")
        out[found[0]] = out.get(found[0], sp.S.Zero) + term / found[0]
    return out
