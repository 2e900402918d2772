"""The public API follows docs/conventions.md: checked, not remembered (issue 13).

Every public function (each wing's ``__all__`` and the public core modules) is read with
:func:`inspect.signature` and checked for:

* a numpydoc ``Parameters`` section, when it takes parameters;
* options keyword-only: every parameter that can be passed by position is primary data,
  i.e. has no default (``def f(network, origins, *, minutes=...)``);
* ``network``, when present, is the first parameter, and is annotated;
* no banned spelling (the deviations table of docs/conventions.md): one concept, one word;
  the command-line flags too (the same words with dashes).

``KNOWN_DEVIATIONS`` lists what breaks a convention today. The test asserts that this list
is exact: a new deviation fails at once, and so does a fixed one that is still listed, so
each fix must delete its line (the list only shrinks). The rename sweep of issue 13 part 2
empties it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import urbangeo

WINGS = ("accessibility", "subsidence", "landuse")
# Front ends: not walked as functions; the CLI's flags are checked for banned words below.
NOT_CORE = {"cli"}

# --------------------------------------------------------------------------- the vocabulary
#: parameter name -> the spelling of docs/conventions.md
BANNED = {
    "threshold_minutes": "minutes",
    "max_minutes": "minutes",
    "time_min": "minutes",
    "limit": "minutes or dist_m",
    "weight": "population_col or weight_col",
    "pop_col": "population_col",
    "population": "population_col",
    "population_column": "population_col",
    "demand_col": "population_col",
    "group": "group_by",
    "spacing_m": "entrance_spacing_m",
    "max_street_dist_m": "max_snap_m",
    "max_snap_dist_m": "max_snap_m",
    "snap_m": "max_snap_m",
    "cell_size": "resolution_m",
    "cell_size_m": "resolution_m",
    "cellsize": "resolution_m",
    "resolution": "resolution_m",
    "cell_area_m2": "resolution_m",
    "value_column": "value_col",
    "column": "<what it holds>_col",
    "value": "value_col",
    "radii": "radii_m",
    "G": "graph",
}
#: a banned word that means something else in one function
ALLOWED = {
    ("accessibility.grid_network", "spacing_m"): "the street spacing of a synthetic grid, not entrance spacing",
}
#: `by` splits the second input (facilities) into categories; grouping the primary rows is `group_by`
FACILITY_INPUTS = {"facilities", "supply", "sites"}

# --------------------------------------------------------------------------- today's deviations
# The to-do list of the rename sweep (issue 13 part 2). Delete a line when it is fixed.
KNOWN_DEVIATIONS: dict[str, list[str]] = {
    # accessibility
    # subsidence
    # landuse
    # core
}


# --------------------------------------------------------------------------- the walk
def _core_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(urbangeo.__path__)
        if not m.ispkg and not m.name.startswith("_") and m.name not in NOT_CORE
    )


def _public_functions() -> dict[str, object]:
    """``{"wing.name" | "module.name": function}``, each function once (wings first)."""
    out: dict[str, object] = {}
    seen: set[int] = set()
    sources = [(w, importlib.import_module(f"urbangeo.{w}")) for w in WINGS]
    sources += [(m, importlib.import_module(f"urbangeo.{m}")) for m in _core_modules()]
    sources.append(("urbangeo", urbangeo))
    for prefix, mod in sources:
        names = getattr(mod, "__all__", None)
        if names is None:  # a core module without __all__: what it defines without a leading _
            names = [n for n, o in vars(mod).items()
                     if not n.startswith("_") and inspect.isfunction(o) and o.__module__ == mod.__name__]
        for name in names:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen.add(id(obj))
                out[f"{prefix}.{name}"] = obj
    return out


# Indented too: a docstring spliced from a shared block (fca.py) is dedented at compile time by
# Python >= 3.13 but not the block added to it, so the same section reads differently per stack.
_PARAMETERS = re.compile(r"^[ \t]*Parameters\n[ \t]*-{3,}[ \t]*$", re.M)


def deviations(qualname: str, func) -> list[str]:
    """What in ``func``'s signature and docstring breaks docs/conventions.md."""
    out = []
    params = list(inspect.signature(func).parameters.values())
    names = [p.name for p in params]
    if params and not _PARAMETERS.search(inspect.getdoc(func) or ""):
        out.append("no numpydoc Parameters section")
    for p in params:
        positional = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        if positional and p.default is not p.empty:
            out.append(f"positional option `{p.name}`")
    if "network" in names:
        if names[0] != "network":
            out.append("`network` is not the first parameter")
        if params[names.index("network")].annotation is inspect.Parameter.empty:
            out.append("`network` is not annotated")
    for name in names:
        good = BANNED.get(name)
        if good is None and name.endswith("_column"):
            good = name[: -len("column")] + "col"
        if good is None and name.endswith("_minutes"):
            good = "minutes"
        if good is not None and (qualname, name) not in ALLOWED:
            out.append(f"banned spelling `{name}` (use {good})")
    if "by" in names and not FACILITY_INPUTS & set(names):
        out.append("`by` groups the primary rows (use group_by)")
    return out


PUBLIC = _public_functions()


def test_the_walk_finds_the_public_api():
    # a guard against a walk that silently finds nothing
    assert len(PUBLIC) > 100
    for probe in ("accessibility.nearest_facilities", "subsidence.predict_subsidence", "landuse.screen_conversion",
                  "io.read", "crs.to_metric"):
        assert probe in PUBLIC, probe


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_public_function_follows_the_conventions(qualname):
    found = deviations(qualname, PUBLIC[qualname])
    known = KNOWN_DEVIATIONS.get(qualname, [])
    new = [d for d in found if d not in known]
    fixed = [d for d in known if d not in found]
    assert not new, (
        f"urbangeo.{qualname} breaks docs/conventions.md: {new}. Follow the convention (new code gets no "
        f"allowance); KNOWN_DEVIATIONS is only the to-do list of what existed before it."
    )
    assert not fixed, (
        f"urbangeo.{qualname}: fixed, thank you: delete {fixed} from KNOWN_DEVIATIONS in "
        f"tests/test_api_conventions.py (the list only shrinks)."
    )


def test_known_deviations_name_public_functions():
    stale = sorted(set(KNOWN_DEVIATIONS) - set(PUBLIC))
    assert not stale, f"KNOWN_DEVIATIONS names functions that are no longer public: {stale}; delete them."


def test_allowed_exceptions_are_still_needed():
    stale = [(q, n) for q, n in ALLOWED
             if q not in PUBLIC or n not in inspect.signature(PUBLIC[q]).parameters]
    assert not stale, f"ALLOWED lists parameters that no longer exist: {stale}; delete them."


# --------------------------------------------------------------------------- the command line
#: flags that use a banned word today (docs/conventions.md); delete a line when it is fixed
KNOWN_CLI_DEVIATIONS: set[str] = set()


def _cli_flags() -> list[str]:
    click = pytest.importorskip("click")
    from urbangeo.cli import cli

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            for param in cmd.params:
                for flag in getattr(param, "opts", []):
                    if flag.startswith("--"):
                        yield " ".join([*path, flag])

    return list(walk(cli, []))


def test_cli_flags_are_the_python_words_with_dashes():
    flags = _cli_flags()
    assert len(flags) > 50
    bad = set()
    for entry in flags:
        word = entry.rsplit(" ", 1)[1][2:].replace("-", "_")
        if word in BANNED or word.endswith(("_minutes", "_column")):
            bad.add(entry)
    assert not bad - KNOWN_CLI_DEVIATIONS, f"command-line flags with a banned word: {sorted(bad - KNOWN_CLI_DEVIATIONS)}"
    fixed = KNOWN_CLI_DEVIATIONS - bad
    assert not fixed, f"fixed, thank you: delete {sorted(fixed)} from KNOWN_CLI_DEVIATIONS"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(network: object, origins, *, minutes=5):\n    '''X.\n\n    Parameters\n    ----------\n    '''", []),
        ("def f(origins, network, k=1):\n    '''X.'''",
         ["no numpydoc Parameters section", "positional option `k`", "`network` is not the first parameter",
          "`network` is not annotated"]),
        ("def f(network: int, *, threshold_minutes=1, pop_column=None, by=None):\n    '''X.\n\n    Parameters\n"
         "    ----------\n    '''",
         ["banned spelling `threshold_minutes` (use minutes)", "banned spelling `pop_column` (use pop_col)",
          "`by` groups the primary rows (use group_by)"]),
        ("def f():\n    pass", []),
    ],
)
def test_the_checks_themselves(source, expected):
    ns: dict = {}
    exec(source, ns)
    assert deviations("x.f", ns["f"]) == expected
