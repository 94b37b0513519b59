"""Tensor results behave like SymPy arrays: conversion, iteration, subs, simplify."""

from __future__ import annotations

import sympy as sp
from _spacetimes import M, r, schwarzschild, sphere, th

from extremal.symbolic._christoffel import Christoffel, christoffel
from extremal.symbolic._curvature import Ricci, Riemann, ricci_tensor, riemann_tensor
from extremal.symbolic._metric import Metric


def test_conversion_to_a_sympy_array():
    G = christoffel(sphere())
    for converted in (sp.Array(G), sp.sympify(G), G.as_array(), sp.ImmutableDenseNDimArray(G)):
        assert isinstance(converted, sp.ImmutableDenseNDimArray)
        assert converted == G.array
    assert G.tolist() == G.array.tolist()


def test_iteration_length_shape_and_rank_match_sympy():
    G = christoffel(schwarzschild())
    assert list(G) == list(G.array)
    assert len(list(G)) == 4
    assert len(G) == len(G.array) == 64
    assert G.shape == (4, 4, 4)
    assert G.rank == 3
    assert ricci_tensor(sphere()).rank == 2


def test_sympy_simplify_accepts_a_tensor():
    G = christoffel(sphere())
    simplified = sp.simplify(G)
    assert isinstance(simplified, sp.ImmutableDenseNDimArray)
    assert simplified == G.simplify().array


def test_subs_and_simplify_keep_the_type():
    m = schwarzschild()
    G = christoffel(m)
    G1 = G.subs(M, 1)
    assert type(G1) is Christoffel
    assert G1.upper == G.upper and G1.coords == G.coords and G1.name == G.name
    assert G1[1, 1, 1] == G[1, 1, 1].subs(M, 1)
    assert not G1.array.has(M)
    R = riemann_tensor(m).subs({M: 2})
    assert type(R) is Riemann and not R.array.has(M)
    ric = ricci_tensor(m).simplify()
    assert type(ric) is Ricci and ric.is_zero()


def test_simplify_reduces_components():
    x = sp.Symbol("x")
    T = christoffel(sphere()).applyfunc(lambda c: c * (sp.sin(x) ** 2 + sp.cos(x) ** 2))
    simplified = T.simplify()
    assert not simplified.array.has(x)
    assert all(sp.simplify(c) == 0 for c in sp.flatten((simplified.array - christoffel(sphere()).array).tolist()))


def test_existing_behaviour_is_unchanged():
    G = christoffel(sphere())
    assert G[0, 1, 1] == -sp.sin(th) * sp.cos(th)
    assert G.nonzero() == {(0, 1, 1): G[0, 1, 1], (1, 0, 1): G[1, 0, 1]}
    assert "Γ" in str(G) and r"\Gamma" in G._repr_latex_()


def test_metric_subs_returns_a_metric():
    m = schwarzschild().subs(M, 1)
    assert isinstance(m, Metric)
    assert m.coords == schwarzschild().coords
    assert m.g[0, 0] == schwarzschild().g[0, 0].subs(M, 1)
    flat = Metric.from_line_element("dr**2 + a**2*dtheta**2", "r theta").subs("a", 1)
    assert flat.g == sp.diag(1, 1) and flat.constant
    assert r in m.g.free_symbols
