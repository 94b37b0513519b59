"""The README's Python example runs and prints what it shows; the package index gets it without broken links."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5
    assert result.failed == 0


def test_the_package_index_gets_the_readme_without_relative_pictures():
    """The metadata hook's substitutions (pyproject.toml) leave no link the index cannot resolve."""
    import re
    import tomllib

    project = tomllib.loads((README.parent / "pyproject.toml").read_text())
    hook = project["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]
    assert "readme" in project["project"]["dynamic"]
    assert any(r.startswith("hatch-fancy-pypi-readme") for r in project["build-system"]["requires"])
    text = README.read_text()
    assert re.findall(r"!\[[^\]]*\]\(docs/images/", text)  # the repository's README shows pictures
    for substitution in hook["substitutions"]:
        text = re.sub(substitution["pattern"], substitution["replacement"], text)
    assert not re.findall(r"\]\((?!https?://|#)[^)]*\)", text)
    assert "*Picture: Newton's paths and Jacobi geodesics coincide (in the source repository).*" in text
