"""extremal.optim imports without torch; torch-dependent names are loaded on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import extremal
import extremal.optim as optim
from extremal.errors import MissingDependencyError


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


def test_all_names_resolve_and_are_listed() -> None:
    pytest.importorskip("torch")
    assert sorted(optim.__all__) == sorted(set(optim.__all__))
    for name in optim.__all__:
        assert getattr(optim, name) is getattr(extremal, name)
    assert set(optim.__all__) <= set(dir(optim))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("last_iterate_bound_1", "last_iterate_bound_non_increasing"),
        ("last_iterate_bound_2", "last_iterate_bound_any_schedule"),
        ("last_iterate_bound_2_best_final", "last_iterate_bound_best_final_rate"),
        ("old_average_bound", "bounded_domain_average_bound"),
        ("recency_weighted_sq", "recency_weighted_sum_of_squares"),
    ],
)
def test_old_names_are_deprecated_aliases_warning_at_the_caller(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old} is renamed {new}") as caught:
        alias = getattr(optim, old)
    assert alias is getattr(optim, new)
    assert caught[0].filename == __file__
    assert old not in optim.__all__


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = optim.no_such_name  # type: ignore[attr-defined]


def test_numpy_parts_work_without_torch() -> None:
    result = _run(
        """
        import sys
        sys.modules["torch"] = None
        import extremal.optim as optim
        from extremal.errors import MissingDependencyError
        print([round(x, 12) for x in optim.refined([1.0, 1.0, 1.0, 1.0], radius=8.0).tolist()])
        print(round(optim.weighted_average_bound([0.5, 0.5], [1.0, 1.0], 1.0), 6))
        for stmt in ("from extremal.optim import Muon", "from extremal import msign"):
            try:
                exec(stmt)
            except MissingDependencyError as exc:
                print("missing:", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[3.0, 2.0, 1.0, 0.0]"
    assert len(lines) == 4
    assert all("pip install 'extremal[torch]'" in line for line in lines[2:])


def test_import_does_not_load_torch() -> None:
    result = _run(
        """
        import sys
        import extremal.optim
        from extremal.optim import refined, last_iterate_bound_any_schedule
        print("torch" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_missing_dependency_error_is_an_import_error() -> None:
    assert issubclass(MissingDependencyError, ImportError)


def test_functions_are_not_shadowed_by_implementation_modules() -> None:
    result = _run(
        """
        import extremal.optim._msign
        import extremal.optim._isotropy
        from extremal.optim import isotropy, msign
        import extremal
        print(callable(msign), callable(isotropy), extremal.msign is msign)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True True"
