"""urbangeo._docs.shared_doc: shared docstring text reads the same on every Python.

Python 3.13 strips a docstring's common indentation at compile time and 3.11 does not;
text spliced into an indented docstring therefore reads differently on the two stacks
(docs/conventions.md). ``shared_doc`` cleans first and fills after, so its output is
already clean: the same ``__doc__`` from either form of the source docstring.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap

import pytest

from urbangeo import _docs
from urbangeo._docs import PROGRESS, fill, geometry_fixed_warns, on_invalid_param, shared_doc

# The docstring as the 3.11 compiler stores it (indented) and as 3.13 stores it (dedented).
RAW_311 = '''Predict it.

    Parameters
    ----------
    panels : GeoDataFrame
        The panels; braces such as {"a", "b"} stay.
    {progress}
    {on_invalid}

    Warns
    -----
    {warns}

    Examples
    --------
    >>> 1 + 1
    2
    '''
DEDENTED_313 = inspect.cleandoc(RAW_311) + "\n"

#: the stored expectation: what both forms must render to
EXPECTED = '''Predict it.

Parameters
----------
panels : GeoDataFrame
    The panels; braces such as {"a", "b"} stay.
progress : bool, optional
    Show a progress bar (tqdm); default ``urbangeo.settings.progress`` (off).
on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
    What to do with invalid panel polygons (self-intersections, bad rings): ``"fix"``
    repairs them with ``shapely.make_valid`` (a
    :class:`~urbangeo.errors.GeometryFixedWarning` says how many); ``"raise"`` raises an
    :class:`~urbangeo.errors.InvalidGeometryError` listing them; ``"drop"`` leaves them
    out (:class:`~urbangeo.errors.DroppedRowsWarning`); ``"warn"`` uses them as they are.
    Missing and empty geometries are always left out and counted.

Warns
-----
GeometryFixedWarning
    Invalid panel polygons repaired (``on_invalid="fix"``) or used as they are (``"warn"``).

Examples
--------
>>> 1 + 1
2'''

ENTRIES = {"progress": PROGRESS, "on_invalid": on_invalid_param("panel polygons"),
           "warns": geometry_fixed_warns("panel polygons")}


def _decorate(doc: str, **entries: str):
    def f(panels, *, progress=None, on_invalid="fix"):
        pass

    f.__doc__ = doc
    return shared_doc(**entries)(f)


@pytest.mark.parametrize("source", [RAW_311, DEDENTED_313], ids=["as 3.11 stores it", "as 3.13 stores it"])
def test_both_forms_of_a_docstring_render_the_same(source):
    f = _decorate(source, **ENTRIES)
    assert f.__doc__ == EXPECTED
    assert inspect.getdoc(f) == EXPECTED


def test_entries_written_at_any_indentation_read_the_same():
    indented = textwrap.indent(PROGRESS, "        ")
    assert fill("X.\n\n    {p}\n", {"p": indented}) == fill("X.\n\n{p}", {"p": PROGRESS})


def test_a_placeholder_without_entry_or_an_entry_without_placeholder_fails_at_import():
    with pytest.raises(KeyError, match=r"\{progress\}"):
        _decorate(RAW_311, on_invalid="x", warns="y")
    with pytest.raises(ValueError, match="crs"):
        _decorate(RAW_311, crs="x", **ENTRIES)


def test_no_docstring_is_left_alone():  # python -OO
    def f():
        pass

    assert shared_doc(x="y")(f) is f and f.__doc__ is None


# --------------------------------------------------------------------------- every decorated function


def _all_decorated():
    for name in ("accessibility", "subsidence", "landuse", "crs", "units", "standards", "io", "raster"):
        importlib.import_module(f"urbangeo.{name}")
    return {f"{f.__module__}.{f.__qualname__}": f for f in _docs.decorated()}


DECORATED = _all_decorated()
_HEADER = re.compile(r"^(Parameters|Returns|Yields|Raises|Warns|See Also|Notes|References|Examples)\n(-+)$", re.M)
_NUMPYDOC = ("Parameters", "Returns", "Raises", "Warns")


def _sections(doc: str) -> dict[str, list[str]]:
    heads = list(_HEADER.finditer(doc))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        out[m[1]] = doc[m.end():end].strip("\n").splitlines()
    return out


def test_shared_doc_is_used():
    assert {"urbangeo.subsidence.pim.predict_subsidence", "urbangeo.units.m2_to_mu",
            "urbangeo.crs.to_metric"} <= set(DECORATED)


@pytest.mark.parametrize("qualname", sorted(DECORATED))
def test_decorated_docstring_is_clean(qualname):
    func = DECORATED[qualname]
    doc = func.__doc__
    # already clean: nothing left for a Python version to dedent differently
    assert doc == inspect.cleandoc(doc) == inspect.getdoc(func)
    assert not re.search(r"^\s*\{\w+\}\s*$", doc, re.M), "a placeholder was not filled"
    sections = _sections(doc)
    assert "Parameters" in sections
    for m in _HEADER.finditer(doc):
        assert len(m[2]) == len(m[1]), f"{m[1]}: the underline does not match the header"
    params = inspect.signature(func).parameters
    for section in _NUMPYDOC:
        lines = sections.get(section, [])
        if lines:
            assert not lines[0].startswith(" "), f"{section}: the first entry is indented"
        for line in lines:
            indent = len(line) - len(line.lstrip(" "))
            assert line.strip() == "" or indent == 0 or indent >= 4, f"{section}: stray indentation in {line!r}"
            if section == "Parameters" and indent == 0 and line.strip():
                for name in line.split(" : ")[0].split(","):
                    name = name.strip().lstrip("*")
                    assert name in params, f"Parameters lists {name!r}, which is not a parameter"
