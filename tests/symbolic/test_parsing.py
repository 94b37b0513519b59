"""The formula grammar: no string runs as code, name(...) is a call, sizes are bounded."""

import builtins
import pathlib
import time

import pytest
import sympy as sp
import sympy.parsing.sympy_parser as sympy_parser

import extremal
from extremal import (
    FieldLagrangian,
    Lagrangian,
    LimitError,
    Metric,
    ParseError,
    TimeLimitError,
    change_coordinates,
    change_field_coordinates,
    christoffel,
    euler_lagrange,
    field_equations,
    jacobi_metric,
    laplacian_from_action,
    limits,
    parse,
    ricci_scalar,
    simplify_in_chart,
    zero_test,
)
from extremal.errors import ExtremalError, InputError

t, x, y, q = sp.symbols("t x y q")

PAYLOADS = [
    "__import__('os').system('touch {canary}')*dx**2",
    "exec('open(\"{canary}\", \"w\")')",
    "eval('canary')",
    "x.__class__ + canary",
    "(lambda: canary)()",
    "[canary for c in ()]",
    "getattr(canary, '__class__')",
    "open('{canary}', 'w')",
]


def _entry_points(text):
    """Every public function that reads a user string, with ``text`` in that string."""
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2", "x y")
    density = FieldLagrangian.parse("(u_x**2 + u_y**2)/2", "u", "x y")
    return {
        "parse": lambda: parse(text, {}),
        "Lagrangian.parse": lambda: Lagrangian.parse(text, "x"),
        "FieldLagrangian.parse": lambda: FieldLagrangian.parse(text, "u", "x y"),
        "from_line_element": lambda: Metric.from_line_element(text, "x y"),
        "Metric components": lambda: Metric("x y", [[text, 0], [0, 1]]),
        "from_embedding": lambda: Metric.from_embedding([text, "y", "x*y"], "x y"),
        "pullback": lambda: flat.pullback({"x": text, "y": "y"}, "x y"),
        "change_coordinates": lambda: change_coordinates(L, {"x": text, "y": "q"}, "p q"),
        "change_field_coordinates": lambda: change_field_coordinates(density, {"x": text, "y": "q"}, "p q"),
        "jacobi potential": lambda: jacobi_metric(flat, text),
        "jacobi energy": lambda: jacobi_metric(flat, "x**2", text),
        "laplacian_from_action": lambda: laplacian_from_action({"x": text, "y": "q"}, "p q"),
        "simplify_in_chart": lambda: simplify_in_chart(text, "x y"),
        "zero_test": lambda: zero_test(text),
    }


MARKER = "zzmarker"


@pytest.fixture
def no_eval(monkeypatch):
    """Fail if user text reaches eval or exec, or anything reaches SymPy's string evaluator.

    SymPy itself execs code it generates (monomial arithmetic); only strings holding the
    user's text are refused there.
    """
    original_eval, original_exec = builtins.eval, builtins.exec

    def guard(original):
        def checked(source, *args, **kwargs):
            if isinstance(source, str) and (MARKER in source or "canary" in source):
                raise AssertionError("user text reached eval/exec")
            return original(source, *args, **kwargs)

        return checked

    def refuse(*args, **kwargs):
        raise AssertionError("a string reached SymPy's parse_expr")

    monkeypatch.setattr(builtins, "eval", guard(original_eval))
    monkeypatch.setattr(builtins, "exec", guard(original_exec))
    monkeypatch.setattr(sympy_parser, "eval_expr", refuse)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_runs_through_any_entry_point(payload, tmp_path, no_eval):
    canary = tmp_path / "pwned"
    text = payload.format(canary=canary)
    for name, call in _entry_points(text).items():
        with pytest.raises(ParseError):
            call()
        assert not canary.exists(), name


def test_valid_strings_never_reach_eval(no_eval):
    for name, call in _entry_points(f"x + 2*y**2 + {MARKER}").items():
        try:
            call()
        except ExtremalError:
            pass  # some entry points refuse this harmless formula for their own reasons
        except AssertionError:
            pytest.fail(f"{name} evaluated a string")


def test_source_has_no_string_evaluator():
    src = pathlib.Path(extremal.__file__).parent
    for path in src.rglob("*.py"):
        code = path.read_text()
        assert "parse_expr" not in code, path
        assert "sp.sympify(" not in code, path
        assert "eval(" not in code.replace("evalf(", "").replace("_eval(", ""), path
        if path.name != "_compile.py":  # runs source printed from SymPy trees, never user text
            assert "exec(" not in code, path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("'x'", "strings"),
        ("x = 1", "'='"),
        ("x; y", "';'"),
        ("__class__", "dunder"),
        ("f(x,)", "unexpected"),
        ("x +", "ends too early"),
        ("1/0", "divides by zero"),
        ("0**-1", "zero to a non-positive power"),
        ("2 3", "two numbers"),
        ("sin(x, y)", "sin takes 1"),
        ("f*f(x)", "both as a function"),
        ("", "empty"),
    ],
)
def test_bad_formulas_name_the_problem(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text, {}, "potential")


def test_bad_formula_message_names_the_argument():
    with pytest.raises(ParseError, match="line element"):
        Metric.from_line_element("dx**2 + os.system", "x")


def test_juxtaposition_powers_and_friendly_characters():
    r = sp.Symbol("r")
    assert parse("2r^2", {}) == 2 * r**2
    assert parse("x y", {}) == x * y
    assert parse("2(x + 1)", {}) == 2 * x + 2
    assert parse("(x + 1)(x - 1)", {}) == (x + 1) * (x - 1)
    assert parse("-x**2", {}) == -(x**2)
    assert parse("2**-1", {}) == sp.Rational(1, 2)
    assert parse("x**y**2", {}) == x ** (y**2)
    assert parse("x \u2212 1", {}) == x - 1
    assert parse("E*I*S*N*gamma*beta", {}) == sp.Mul(*sp.symbols("E I S N gamma beta"))
    assert parse("pi", {}) == sp.pi
    assert parse("gamma(5)", {}) == 24


def test_unknown_calls_are_functions_of_one_or_several_arguments():
    U = sp.Function("U")
    assert parse("U(x, y)", {}) == U(x, y)
    eom = euler_lagrange(Lagrangian.parse("xdot**2/2 - U(x)", "x"))
    assert sp.simplify(eom.accelerations[0] + U(x).diff(x)) == 0
    eom = euler_lagrange(Lagrangian.parse("(xdot**2 + ydot**2)/2 - U(x, y)", "x y"))
    assert sp.simplify(eom.accelerations[1] + U(x, y).diff(y)) == 0


def test_flrw_scale_factor_is_a_function_of_time():
    a = sp.Function("a")(t)
    metric = Metric.from_line_element("-dt**2 + a(t)**2*(dx**2 + dy**2 + dz**2)", "t x y z")
    expected = 6 * (a * a.diff(t, 2) + a.diff(t) ** 2) / a**2
    assert sp.simplify(ricci_scalar(metric) - expected) == 0


def test_function_in_a_coordinate_map():
    f = sp.Function("f")
    L = change_coordinates(Lagrangian.parse("xdot**2/2", "x"), {"x": "f(q)"}, "q")
    qdot = sp.Symbol("qdot")
    assert sp.simplify(L.expr - f(q).diff(q) ** 2 * qdot**2 / 2) == 0


def test_derivative_in_a_density():
    density = FieldLagrangian.parse("Derivative(u(x, t), t)**2/2 - u_x**2/2", "u", "x t")
    u = sp.Function("u")(x, t)
    (eq,) = field_equations(density)
    assert sp.simplify(eq.lhs - (u.diff(x, 2) - u.diff(t, 2))) == 0


def test_calling_a_variable_is_refused():
    with pytest.raises(ParseError, match="x is one of the variables"):
        Lagrangian.parse("xdot**2/2 - x(1 + x)", "x")
    with pytest.raises(ParseError, match="u is a field"):
        FieldLagrangian.parse("u_x**2 + u(y, x)", "u", "x y")


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("x**(10**10**10)", "max_digits"),
        ("x**100000", "max_exponent"),
        ("2**2**2**2**2**2", "max_digits"),
        ("factorial(10**6)", "max_digits"),
        ("binomial(10**5, 7)", "max_digits"),
        ("1" * 2000 + "*x", "max_digits"),
        ("1e5000*x", "max_digits"),
        ("(" * 150 + "x" + ")" * 150, "max_depth"),
        ("-" * 150 + "x", "max_depth"),
        ("x+" * 6000 + "x", "max_length"),
    ],
)
def test_limits_are_checked_before_sympy_works(text, limit):
    # a limit checked after SymPy started the work would end in TimeLimitError, not LimitError
    with pytest.raises(LimitError, match=rf"limits\({limit}=\.\.\.\)"), limits(timeout=5):
        Lagrangian.parse("xdot**2/2 - " + text, "x")


def test_limits_can_be_raised_and_lowered():
    with limits(max_exponent=200_000):
        assert parse("x**100000", {}) == x**100000
    with limits(max_length=10), pytest.raises(LimitError, match="max_length"):
        parse("x + y + x*y", {})
    with pytest.raises(InputError, match="unknown max_lenght"), limits(max_lenght=3):
        pass
    with pytest.raises(InputError, match="max_depth must be a positive integer"), limits(max_depth=True):
        pass
    with pytest.raises(InputError, match="timeout must be a positive number"), limits(timeout=-1):
        pass


def test_timeout_interrupts_long_symbolic_work():
    # the loop never ends: only the time limit returns from it
    with pytest.raises(TimeLimitError, match=r"limits\(timeout=\.\.\.\)"), limits(timeout=0.5):
        while True:
            sp.expand((x + y + 1) ** 30)


def test_timeout_does_not_fire_after_the_block():
    with limits(timeout=0.2):
        value = christoffel(Metric.from_line_element("dr**2 + r**2*dth**2", "r th"))[0, 1, 1]
    time.sleep(0.4)
    assert value == -sp.Symbol("r")


@pytest.mark.parametrize(
    "value",
    [sp.Tuple(x, 1), sp.Eq(x, 1), [x], None, True, 1 + 2j, {"x": 1}, float("nan"), float("inf"), sp.zoo, sp.oo * x],
)
def test_non_expressions_are_refused(value):
    with pytest.raises(InputError):
        parse(value, {}, "potential")
    with pytest.raises(InputError):
        Lagrangian(value, "x")


def test_numbers_pass_as_sympy_numbers():
    assert parse(2, {}) == 2
    assert parse(0.5, {}) == sp.Float(0.5)
    import numpy as np

    assert parse(np.float64(1.5), {}) == sp.Float(1.5)
