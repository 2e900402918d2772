"""Shared docstring text, written once: the :func:`shared_doc` decorator and the core's entries.

A parameter that many functions take (``on_invalid``, ``progress``, a metric ``crs``
override) or a warning many functions raise (:class:`~urbangeo.errors.GeometryFixedWarning`)
is described once, here or in a wing's private module, and put into each docstring by
:func:`shared_doc`. A docstring holds a placeholder line where the entry goes::

    @shared_doc(on_invalid=on_invalid_param("panel polygons"), progress=PROGRESS)
    def predict(panels, *, progress=None, on_invalid="fix"):
        '''Predict ...

        Parameters
        ----------
        panels : GeoDataFrame
            The panels.
        {progress}
        {on_invalid}
        '''

Why a decorator and not ``doc = TEXT + other_text`` (docs/conventions.md): Python 3.13
strips the common indentation of a docstring at compile time and 3.11 does not, so text
spliced into an indented docstring is indented differently from its neighbours on one
of the two. :func:`shared_doc` first cleans the docstring (:func:`inspect.cleandoc`, which
gives the same text from either form), then puts each entry at its placeholder's
indentation; the result is already clean, so ``__doc__``, :func:`inspect.getdoc`,
``help()`` and the doctests read the same on every Python.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

__all__ = [
    "shared_doc",
    "fill",
    "decorated",
    "on_invalid_param",
    "geometry_fixed_warns",
    "PROGRESS",
    "METRIC_CRS",
]

F = TypeVar("F", bound=Callable)

#: a placeholder: a line holding only ``{name}`` (a Python identifier), at any indentation
_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<key>[A-Za-z_]\w*)\}[ \t]*$", re.M)

_DECORATED: list[Callable] = []


def _indent(text: str, indent: str) -> str:
    """``text`` cleaned of its own indentation and of surrounding blank lines, then indented by ``indent``."""
    body = textwrap.dedent(text).strip("\n")
    return textwrap.indent(body, indent, lambda line: bool(line.strip()))


def fill(doc: str, entries: dict[str, str], *, where: str = "docstring") -> str:
    """``doc`` cleaned with :func:`inspect.cleandoc`, each placeholder line replaced by its entry.

    Raises :class:`KeyError` for a placeholder without an entry and :class:`ValueError` for
    an entry without a placeholder (a typo either way), naming ``where``.
    """
    clean = inspect.cleandoc(doc)
    used: set[str] = set()

    def put(match: re.Match) -> str:
        key = match["key"]
        if key not in entries:
            raise KeyError(f"{where}: no entry for the placeholder {{{key}}}; pass {key}=... to shared_doc")
        used.add(key)
        return _indent(entries[key], match["indent"])

    out = _PLACEHOLDER.sub(put, clean)
    unused = sorted(set(entries) - used)
    if unused:
        raise ValueError(f"{where}: shared_doc entries without a placeholder line: {unused}")
    return out


def shared_doc(**entries: str) -> Callable[[F], F]:
    """Decorator: fill the ``{name}`` placeholder lines of a docstring with shared text.

    Parameters
    ----------
    **entries : str
        Text for each placeholder, e.g. ``on_invalid=on_invalid_param("zone polygons")``: one or
        more numpydoc entries (name line, description indented below), written at any
        indentation (it is cleaned). A placeholder is a line holding only ``{name}``;
        braces elsewhere in the docstring are left alone.

    Returns
    -------
    callable
        The decorator; it sets ``__doc__`` of the function (or class) to the cleaned,
        filled docstring and returns it unchanged otherwise.

    Raises
    ------
    KeyError
        The docstring has a placeholder that ``entries`` does not fill.
    ValueError
        An entry has no placeholder in the docstring.

    Examples
    --------
    >>> @shared_doc(progress=PROGRESS)
    ... def f(*, progress=None):
    ...     '''Do it.
    ...
    ...     Parameters
    ...     ----------
    ...     {progress}
    ...     '''
    >>> print(f.__doc__)
    Do it.
    <BLANKLINE>
    Parameters
    ----------
    progress : bool, optional
        Show a progress bar (tqdm); default ``urbangeo.settings.progress`` (off).
    """

    def decorate(func: F) -> F:
        if func.__doc__ is None:  # python -OO strips docstrings: nothing to fill
            return func
        func.__doc__ = fill(func.__doc__, entries, where=f"{func.__module__}.{func.__qualname__}")
        _DECORATED.append(func)
        return func

    return decorate


def decorated() -> list[Callable]:
    """The functions :func:`shared_doc` has filled so far (in the modules imported)."""
    return list(_DECORATED)


# --------------------------------------------------------------------------- the core's entries


def on_invalid_param(what: str = "geometries") -> str:
    """The ``on_invalid`` parameter entry (default ``"fix"``, docs/conventions.md), for ``what``."""
    return f"""\
on_invalid : {{"fix", "raise", "drop", "warn"}}, default "fix"
    What to do with invalid {what} (self-intersections, bad rings): ``"fix"``
    repairs them with ``shapely.make_valid`` (a
    :class:`~urbangeo.errors.GeometryFixedWarning` says how many); ``"raise"`` raises an
    :class:`~urbangeo.errors.InvalidGeometryError` listing them; ``"drop"`` leaves them
    out (:class:`~urbangeo.errors.DroppedRowsWarning`); ``"warn"`` uses them as they are.
    Missing and empty geometries are always left out and counted."""


def geometry_fixed_warns(what: str = "geometries") -> str:
    """The ``Warns`` entry of :class:`~urbangeo.errors.GeometryFixedWarning`, for ``what``."""
    return f"""\
GeometryFixedWarning
    Invalid {what} repaired (``on_invalid="fix"``) or used as they are (``"warn"``)."""


#: The ``progress`` parameter entry.
PROGRESS = """\
progress : bool, optional
    Show a progress bar (tqdm); default ``urbangeo.settings.progress`` (off)."""

#: The ``crs`` parameter entry of functions that choose a metric CRS (:func:`urbangeo.crs.metric_crs`).
METRIC_CRS = """\
crs : pyproj.CRS, str or int, optional
    Use this projected metric CRS instead of choosing one (see
    :func:`urbangeo.crs.metric_crs`)."""
