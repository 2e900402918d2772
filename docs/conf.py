"""Sphinx configuration of the urbangeo documentation site.

Build: ``make docs`` (warnings are errors: ``sphinx -W --keep-going``).

* User guide pages are the MyST markdown files ``docs/*.md`` (one per module, written
  with the code); ``docs/site/`` holds the site's own pages (installation, command line,
  PostGIS, notebooks, API reference).
* The API reference is generated from the numpydoc docstrings (autosummary + autodoc).
* Notebooks (``examples/*.ipynb``) are rendered by myst-nb with the outputs of their
  executed copies in ``docs/_generated/notebooks`` (written by ``make test-notebooks``);
  the docs build never executes them. When an executed copy is missing, the source
  notebook is shown without outputs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import urbangeo  # noqa: E402

project = "urbangeo"
author = "urbangeo developers"
copyright = "2026, urbangeo developers"
version = release = urbangeo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
root_doc = "index"

# --- API reference
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_typehints = "none"  # types are in the numpydoc Parameters sections
autodoc_member_order = "bysource"
autodoc_mock_imports = ["qgis", "processing", "PyQt5"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- MyST and notebooks
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist", "tasklist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # executed by `make test-notebooks`, rendered here from their outputs
nb_merge_streams = True

# --- cross-references to the libraries urbangeo builds on (offline build: no inventories
# are fetched unless URBANGEO_DOCS_INTERSPHINX=1)
intersphinx_mapping: dict = {}
if os.environ.get("URBANGEO_DOCS_INTERSPHINX") == "1":  # pragma: no cover
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "geopandas": ("https://geopandas.org/en/stable", None),
        "shapely": ("https://shapely.readthedocs.io/en/stable", None),
    }

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"urbangeo {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2, "header_links_before_dropdown": 4}
html_static_path: list[str] = []

# Warnings that say nothing about the docs' correctness: MyST's header-level nit for the
# user guide pages whose first heading is not level 1 of a page section.
suppress_warnings = ["myst.header"]


def _prefer_submodules() -> None:
    """Let autosummary document a submodule whose name a function shadows in its package.

    ``urbangeo.accessibility.isochrones`` is both a module and (re-exported) the function
    ``isochrones``; autosummary resolves ``package.name`` as an attribute first and would
    document the function in place of the module (losing ``service_areas``).
    """
    import importlib.util
    import types

    from sphinx.ext import autosummary

    original = autosummary._import_by_name

    def import_by_name(name: str, grouped_exception: bool = True):
        obj, parent, modname = original(name, grouped_exception)
        if not isinstance(obj, types.ModuleType) and name.startswith("urbangeo."):
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is not None:
                module = importlib.import_module(name)
                return module, None, name
        return obj, parent, modname

    autosummary._import_by_name = import_by_name


_prefer_submodules()


def _copy_notebooks() -> None:
    """Put the notebooks inside the source tree: executed copies if present, else the sources.

    Executed copies older than their source (the notebook changed since) are replaced by
    the source, and copies of notebooks that no longer exist are removed.
    """
    target = HERE / "_generated" / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    sources = {nb.name: nb for nb in sorted((ROOT / "examples").glob("*.ipynb"))}
    for copy in target.glob("*.ipynb"):
        if copy.name not in sources:
            copy.unlink()
    for name, nb in sources.items():
        copy = target / name
        if not copy.exists() or copy.stat().st_mtime < nb.stat().st_mtime:
            shutil.copy2(nb, copy)


_copy_notebooks()


def _cli_reference() -> None:
    """Write the --help of every command to _generated/cli_reference.md (always current)."""
    import click
    from click.testing import CliRunner

    from urbangeo.cli import cli

    runner = CliRunner()
    lines = [
        "# Command reference",
        "",
        "The `--help` of every `urbangeo` command, generated from the code when this site is built.",
        "",
    ]

    def walk(cmd: click.Command, path: list[str]) -> None:
        out = runner.invoke(cli, [*path[1:], "--help"], prog_name="urbangeo", terminal_width=100).output
        lines.extend([f"## `{' '.join(path)}`", "", "```text", out.rstrip(), "```", ""])
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(cli, ["urbangeo"])
    target = HERE / "_generated" / "cli_reference.md"
    text = "\n".join(lines)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


_cli_reference()
