"""Planning standards shipped with urbangeo, and the one park classification.

Every rule number taken from a planning standard lives in a CSV table in
``urbangeo/data/standards/`` that cites its source and marks each figure's status
("unverified", or "verified-secondary" with the source that quotes it) in its header
and in ``*status`` columns. This module is the only reader of those tables (package
data, read through :mod:`importlib.resources`); both wings use it.

* :func:`standard_table` - a standard's preset table (a copy), by its code:

  - ``"GB50180-2018"`` (城市居住区规划设计标准): life circles, walking distances,
    population and facilities per circle (used by
    :func:`urbangeo.accessibility.life_circle_audit`);
  - ``"GB/T51346-2019"`` (城市绿地规划标准): park classes by size and their service
    radius (used by :func:`urbangeo.accessibility.classify_parks` and
    :func:`urbangeo.subsidence.park_plan`). **Every figure is unverified.**

* :func:`park_classes` / :func:`park_class` - park class and service radius from the
  park's area: the one classification of the library.

The park table gives the largest class a radius *range* (comprehensive parks >= 10 ha:
1,200-3,000 m). The default reading is the **low end** (``radius="low"``): it is the
radius every park of the class reaches, so coverage is never overstated; the table's
own caution note says the single comprehensive-park row may merge several size tiers of
the standard, with 3,000 m belonging to the largest parks only; a 16 ha park read at
3,000 m would claim (3,000 / 1,200)^2, about 6 times, the area of the low-end reading.
Accessibility read the high end and subsidence the low end until issue 13 made them one.
Pass ``radius="high"`` for the upper end (or your own ``radii_m`` to the wing functions).

Examples
--------
>>> standard_table("GB/T51346-2019").park_class.tolist()
['comprehensive', 'community_large', 'community', 'garden']
>>> park_class(16.0), park_class(16.0, radius="high")
(('comprehensive', 1200.0), ('comprehensive', 3000.0))
"""

from __future__ import annotations

import functools
import io
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._docs import shared_doc
from ._validate import check_choice, check_number
from .errors import ColumnTypeError, InvalidOptionError

__all__ = [
    "STANDARDS",
    "PARK_STANDARD",
    "PARK_RADIUS_DEFAULT",
    "standard_table",
    "park_classes",
    "park_class",
]

#: Standard code -> its table in ``urbangeo/data/standards/`` (each cites its source).
STANDARDS: dict[str, str] = {
    "GB50180-2018": "gb50180_2018_life_circles.csv",
    "GB/T51346-2019": "gbt51346_2019_park_service.csv",
}
#: The standard the park classification reads by default.
PARK_STANDARD = "GB/T51346-2019"
#: Which end of a class's service-radius range the park classification uses by default.
PARK_RADIUS_DEFAULT: Literal["low", "high"] = "low"
_PARK_STANDARDS = ("GB/T51346-2019",)
_PARK_COLUMNS = ("park_class", "area_ha_min", "area_ha_max", "service_radius_m_low", "service_radius_m_high")


@functools.lru_cache(maxsize=8)
def _read(standard: str) -> pd.DataFrame:
    check_choice(standard, "standard", tuple(STANDARDS))
    text = resources.files("urbangeo").joinpath("data", "standards", STANDARDS[standard]).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), comment="#")


def standard_table(standard: str) -> pd.DataFrame:
    """The preset table of a planning standard (a copy, safe to edit).

    Parameters
    ----------
    standard : {"GB50180-2018", "GB/T51346-2019"}
        Code of the standard (the keys of :data:`STANDARDS`).

    Returns
    -------
    pandas.DataFrame
        One row per preset, with the ``source`` of each and the status of each figure
        (``status`` or ``*_status`` columns: "unverified", or "verified-secondary
        [source]"). The CSV header in ``urbangeo/data/standards/`` says what was checked
        and where.

    Raises
    ------
    InvalidOptionError
        ``standard`` is not one of the shipped standards (the message lists them).

    See Also
    --------
    park_classes : the park classification read from ``"GB/T51346-2019"``.

    Examples
    --------
    >>> standard_table("GB/T51346-2019").status.unique().tolist()
    ['unverified']
    >>> sorted(standard_table("GB50180-2018").circle_minutes.unique().tolist())
    [5, 10, 15]
    """
    return _read(standard).copy()


def _park_table(standard: str) -> pd.DataFrame:
    check_choice(standard, "standard", _PARK_STANDARDS)
    return _read(standard)


#: the docstring entries park_classes and park_class share
_park_doc = shared_doc(park_standard="""\
    standard : {"GB/T51346-2019"}
        The park standard (its figures are all unverified: see the module docstring of
        :mod:`urbangeo.standards`).
    radius : {"low", "high"}, default "low"
        Which end of a class's radius range to use (e.g. 1,200 or 3,000 m for a
        comprehensive park). The low end is the default: see the module docstring of
        :mod:`urbangeo.standards`.""")


@_park_doc
def park_classes(
    area_ha: Any,
    *,
    standard: str = PARK_STANDARD,
    radius: Literal["low", "high"] = PARK_RADIUS_DEFAULT,
) -> pd.DataFrame:
    """Park class and service radius for each park area: the library's one park classification.

    Classes are closed below and open above (``area_ha_min <= area < area_ha_max``);
    a park below the smallest class, or with a missing area (NaN), gets no class.

    Parameters
    ----------
    area_ha : number, array-like or pandas.Series
        Park areas in hectares (>= 0; NaN means unknown).
    {park_standard}

    Returns
    -------
    pandas.DataFrame
        ``park_class`` (None when unclassified) and ``radius_m`` (NaN when
        unclassified), one row per area, indexed like ``area_ha`` when it is a Series.

    Raises
    ------
    ColumnTypeError
        ``area_ha`` holds text or other values that are not numbers.
    InvalidOptionError
        An area is negative or infinite; unknown ``standard`` or ``radius``.

    See Also
    --------
    park_class : one park.
    urbangeo.accessibility.classify_parks : class and radius of park polygons.

    Examples
    --------
    >>> c = park_classes([16.0, 7.0, 0.2])
    >>> c.park_class.tolist(), c.radius_m.tolist()
    (['comprehensive', 'community_large', None], [1200.0, 800.0, nan])
    >>> park_classes([16.0], radius="high").radius_m.tolist()
    [3000.0]
    """
    check_choice(radius, "radius", ("low", "high"))
    table = _park_table(standard)
    index = area_ha.index if isinstance(area_ha, pd.Series) else None
    raw = np.asarray(area_ha.to_numpy(dtype=object) if isinstance(area_ha, pd.Series) else area_ha, dtype=object)
    flat = raw.ravel()
    bad = [v for v in flat if v is not None and v is not pd.NA and (isinstance(v, bool) or not isinstance(
        v, (int, float, np.integer, np.floating)))]
    if bad:
        raise ColumnTypeError(
            f"`area_ha` must hold numbers of hectares; got {bad[0]!r} ({type(bad[0]).__name__}). "
            f"Convert it first, e.g. pandas.to_numeric(area_ha)."
        )
    area = np.array([np.nan if v is None or v is pd.NA else float(v) for v in flat], dtype=float)
    wrong = np.isinf(area) | (area < 0)
    if wrong.any():
        raise InvalidOptionError(
            f"`area_ha` must be finite and >= 0 hectares; got {area[wrong][:5].tolist()}. "
            f"Correct the areas (or leave unknown ones NaN: they get no class)."
        )
    cls = np.full(len(area), None, dtype=object)
    rad = np.full(len(area), np.nan)
    col = f"service_radius_m_{radius}"
    for r in table.itertuples(index=False):
        hi = np.inf if pd.isna(r.area_ha_max) else float(r.area_ha_max)
        m = (area >= float(r.area_ha_min)) & (area < hi)
        cls[m] = r.park_class
        rad[m] = float(getattr(r, col))
    idx = index if index is not None else pd.RangeIndex(len(area))
    # object dtype kept explicitly: None (unclassified) stays None, not NaN of a string dtype
    return pd.DataFrame({"park_class": pd.Series(cls, index=idx, dtype=object),
                         "radius_m": pd.Series(rad, index=idx)})


@_park_doc
def park_class(
    area_ha: float,
    *,
    standard: str = PARK_STANDARD,
    radius: Literal["low", "high"] = PARK_RADIUS_DEFAULT,
) -> tuple[str | None, float]:
    """Park class and service radius (m) of one park of ``area_ha`` hectares.

    The same classification as :func:`park_classes`, for one number.

    Parameters
    ----------
    area_ha : float
        Park area in hectares (a finite number >= 0).
    {park_standard}

    Returns
    -------
    tuple of (str or None, float)
        The class name and its service radius (m); ``(None, nan)`` for a park below
        the smallest class.

    Raises
    ------
    ColumnTypeError
        ``area_ha`` is not a number (e.g. the text ``"5"``).
    InvalidOptionError
        ``area_ha`` is negative, NaN or infinite.

    See Also
    --------
    park_classes : many parks at once.

    Examples
    --------
    >>> park_class(12.0), park_class(0.2)
    (('comprehensive', 1200.0), (None, nan))
    """
    if isinstance(area_ha, bool) or not isinstance(area_ha, (int, float, np.integer, np.floating)):
        raise ColumnTypeError(
            f"`area_ha` must be a number of hectares; got {area_ha!r} ({type(area_ha).__name__}). "
            f"Convert it first, e.g. park_class(float(area_ha))."
        )
    area_ha = check_number(area_ha, "area_ha", minimum=0)
    row = park_classes([area_ha], standard=standard, radius=radius).iloc[0]
    return (None if row.park_class is None else str(row.park_class)), float(row.radius_m)
