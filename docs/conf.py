"""Sphinx configuration: the API reference from the docstrings, built offline."""

import extremal

project = "extremal"
author = "The extremal developers"
release = version = extremal.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "imported-members": True, "show-inheritance": True}
exclude_patterns = ["_build", "tutorials/.ipynb_checkpoints"]
html_theme = "alabaster"
suppress_warnings = ["ref.python", "autodoc.import_object"]
