"""SymPy-to-NumPy compilation against a plain lambdify reference."""

import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from extremal.errors import InputError, MissingDependencyError
from extremal.numerics import (
    Backend,
    NumbaBackend,
    NumPyBackend,
    compile_function,
    compile_rhs,
    geodesics,
    with_backend,
)
from extremal.symbolic import Metric


def test_matches_lambdify_reference():
    r, th, ph = sp.symbols("r th ph")
    exprs = [r**3 * sp.sin(th) ** 2 * sp.cos(ph), sp.cos(th) / sp.sin(th) - 1 / r**2, sp.sqrt(r) * sp.exp(-r), 2]
    f = compile_function([r, th, ph], exprs)
    ref = sp.lambdify([r, th, ph], exprs, "numpy")
    x = np.random.default_rng(0).uniform(0.2, 3.0, (3, 50))
    want = np.array([np.broadcast_to(v, (50,)) for v in ref(*x)])
    assert np.allclose(f(0.0, x), want, rtol=1e-14, atol=1e-14)


@given(st.floats(-50.0, 50.0))
def test_half_angle_trig_within_two_ulp(x):
    th = sp.Symbol("th")
    f = compile_function([th], [sp.sin(th), sp.cos(th)])
    got = f(0.0, np.array([[x]]))[:, 0]
    assert abs(got[0] - np.sin(x)) <= 4e-16 and abs(got[1] - np.cos(x)) <= 4e-16


def test_no_python_loop_in_generated_code():
    f = compile_rhs("x v", ["v", "-x**3"])
    assert "for " not in f.source and "x_0*x_0*x_0" not in f.source
    assert f(0.0, np.array([[2.0], [1.0]]))[1, 0] == -8.0


def test_unknown_symbol_is_named():
    with pytest.raises(InputError, match="mu"):
        compile_rhs("r v", ["v", "-mu/r**2"])


def test_length_mismatch():
    with pytest.raises(InputError, match="one derivative per state"):
        compile_rhs("x v", ["v"])


def test_numba_backend_matches_numpy():
    pytest.importorskip("numba")
    r, th, t = sp.symbols("r th t")
    exprs = [r**3 * sp.sin(th) ** 2 * sp.cos(2 * th), sp.cos(th) / sp.sin(th) - t / r**2, sp.sqrt(r) * sp.exp(-r), 2]
    fast = compile_function([r, th], exprs, t, backend=NumbaBackend())
    slow = with_backend(fast, NumPyBackend())
    assert fast.backend == NumbaBackend() and slow.backend == NumPyBackend() and "for i in range" in fast.source
    rng = np.random.default_rng(1)
    y, times, scale = rng.uniform(0.2, 3.0, (2, 5, 7)), rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    assert fast(times, y).shape == (4, 5, 7)
    assert np.allclose(fast(times, y), slow(times, y), rtol=1e-13, atol=1e-13)
    assert np.allclose(fast(0.5, y, scale=scale), slow(0.5, y, scale=scale), rtol=1e-13, atol=1e-13)
    out = np.zeros((8, 35))
    fast(times.ravel(), y.reshape(2, -1), out=out[::2], scale=scale.ravel())
    assert np.allclose(out[::2], slow(times.ravel(), y.reshape(2, -1), scale=scale.ravel()), rtol=1e-13)
    assert np.all(out[1::2] == 0.0)


def test_numba_backend_returns_nan_outside_domain_instead_of_raising():
    pytest.importorskip("numba")
    f = compile_rhs("x v", ["v", "-1/x**2"], backend=NumbaBackend())
    values = f(0.0, np.array([[0.0, 1.0], [1.0, 1.0]]))
    assert np.isinf(values[1, 0]) and values[1, 1] == -1.0


def test_unknown_backend_is_named():
    with pytest.raises(InputError, match=r"backend must be NumPyBackend\(\) or NumbaBackend\(\); got 'numba'"):
        compile_rhs("x v", ["v", "-x"], backend="numba")


def test_numba_backend_without_numba_says_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(MissingDependencyError, match=r"extremal\[fast\]"):
        compile_rhs("x v", ["v", "-x"], backend=NumbaBackend())


class _Annotated(Backend):
    """A new backend in one place: NumPy code with a comment on top."""

    runs_python_functions = False
    splits_second_order = False

    def check(self, exprs):
        NumPyBackend().check(exprs)

    def compile(self, exprs, names, uses_time):
        source, function = NumPyBackend().compile(exprs, names, uses_time)
        return "# annotated\n" + source, function


def test_a_new_backend_is_one_subclass():
    f = compile_rhs("x v", ["v", "-x"], backend=_Annotated())
    assert f.source.startswith("# annotated") and f(0.0, np.array([[1.0], [0.0]]))[1, 0] == -1.0
    sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    b = geodesics(sphere, [np.pi / 2, 0.0], [0.0, 1.0], np.pi / 2, backend=_Annotated())
    assert np.allclose(b.x_final, [[np.pi / 2, np.pi / 2]], atol=1e-10)
