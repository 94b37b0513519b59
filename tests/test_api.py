"""The public surface: everything in __all__ exists, and importing extremal stays light."""

import subprocess
import sys

import extremal


def test_all_names_exist():
    missing = [name for name in extremal.__all__ if not hasattr(extremal, name)]
    assert missing == []


def test_top_level_import_is_light():
    code = "import sys, extremal; print(*(m in sys.modules for m in ('torch', 'matplotlib', 'scipy', 'sympy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False", "False"]


def test_symbolic_names_load_on_first_use():
    code = (
        "import sys, extremal; from extremal import Metric; import extremal.symbolic as s; "
        "print(Metric is s.Metric, extremal.symbolic is s, 'sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "True"]


def test_dir_lists_every_public_name():
    assert set(extremal.__all__) | {"symbolic"} <= set(dir(extremal))


def test_numerics_and_optim_names_load_on_first_use():
    import pytest

    from extremal import numerics

    assert extremal.geodesics is numerics.geodesics
    torch_optim = pytest.importorskip("extremal.optim", exc_type=ImportError)
    assert extremal.msign is torch_optim.msign
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = extremal.nonexistent


def test_missing_optional_dependency_names_the_extra():
    import pytest

    from extremal._optional import require

    with pytest.raises(extremal.MissingDependencyError, match=r"pip install 'extremal\[plot\]'"):
        require("no_such_module_for_extremal", extra="plot")


def test_lazy_names_are_exactly_the_subpackages_public_names():
    from extremal import _NUMERICS, _OPTIM, _SYMBOLIC, numerics, optim, symbolic

    assert set(_SYMBOLIC) == set(symbolic.__all__)
    assert set(_NUMERICS) == set(numerics.__all__)
    assert set(_OPTIM) == set(optim.__all__)
    assert set(extremal.__all__) >= set(numerics.__all__) | set(optim.__all__) | set(extremal.symbolic.__all__)


def test_implementation_modules_are_private_and_shadow_nothing():
    import importlib
    import pkgutil

    for package in ("symbolic", "numerics", "optim", "plot"):
        module = importlib.import_module(f"extremal.{package}")
        names = [info.name for info in pkgutil.iter_modules(module.__path__)]
        assert names and all(name.startswith("_") for name in names), (package, names)
    import extremal.symbolic._christoffel

    assert callable(extremal.symbolic.christoffel)


def test_deprecated_top_level_names_warn_at_the_callers_line():
    import warnings

    for name in ("DOP853", "last_iterate_bound_1", "recency_weighted_sq"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(extremal, name)
        assert [w.category for w in caught] == [DeprecationWarning]
        assert caught[0].filename == __file__
