"""Land-use, ownership and planning code tables, and code validation.

The tables ship with the package in ``data/landuse/`` (see its README):

* GB/T 21010-2017 *Current land use classification*: 12 level-1 and 73 level-2 classes
  with Chinese and English names and the three-category class of the Land
  Administration Law (``A`` agricultural, ``C`` construction, ``U`` unused);
* the third national land survey's working variants (``05H1``, ``0508``, ``08H1``,
  ``08H2`` and the ``A``/``K`` suffixed sub-classes), each tied to a GB/T base code;
* ownership codes ``QSXZ`` (10 state ownership ... 40 collective use right);
* a crosswalk from every level-2 code to the level-1 classes of the 2020 land-and-sea
  planning classification (24 classes).

Codes are strings. :func:`normalize_codes` turns what spreadsheets make of them
(``101``, ``101.0``, ``" 0101 "``, ``"05h1"``) into canonical strings (``"0101"``,
``"05H1"``). Every lookup function takes any iterable of codes and returns a
:class:`pandas.Series` aligned to it; unknown codes give ``<NA>`` (``False`` for
:func:`is_collective`) with an :class:`~urbangeo.errors.UnknownCodeWarning` naming
them, so a typo never passes for a missing value.

>>> category_of(["0101", "0702", "1104A", "1205"]).tolist()
['A', 'C', 'A', 'U']
>>> normalize_codes([101, "05h1", " 0702 "]).tolist()
['0101', '05H1', '0702']
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validate import check_choice, check_columns
from ..errors import UnknownCodeError, UnknownCodeWarning

__all__ = [
    "CATEGORY_NAMES",
    "COLLECTIVE_OWNERSHIP",
    "land_classes",
    "ownership_codes",
    "planning_classes",
    "normalize_codes",
    "category_of",
    "level1_of",
    "name_of",
    "planning_class_of",
    "is_collective",
    "validate_codes",
]

#: Three-category classes of the Land Administration Law, as coded in the tables.
CATEGORY_NAMES: dict[str, str] = {"A": "agricultural", "C": "construction", "U": "unused"}

#: QSXZ codes that mean collective *ownership* (30 and its sub-codes 31-34).
COLLECTIVE_OWNERSHIP: tuple[str, ...] = ("30", "31", "32", "33", "34")

CodeKind = Literal["land_class", "ownership", "planning"]
_KINDS = ("land_class", "ownership", "planning")
_SHOW = 8


def _read(name: str) -> pd.DataFrame:
    path = resources.files("urbangeo").joinpath("data", "landuse", name)
    with path.open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@functools.lru_cache(maxsize=1)
def _land_classes() -> pd.DataFrame:
    base = _read("gbt21010_2017.csv")
    base["level"] = base["level"].astype(int)
    base["base_code"] = base["code"]
    base["is_variant"] = False
    var = _read("third_survey_variants.csv")
    var["level"] = 2
    var["base_code"] = var["base_code"]
    var["is_variant"] = True
    cols = ["code", "level", "parent", "name_zh", "name_en", "three_category", "base_code", "is_variant"]
    table = pd.concat([base[cols], var[cols]], ignore_index=True)
    cross = _read("crosswalk_planning2020.csv").set_index("code")
    table["level1"] = np.where(table["level"] == 1, table["code"], table["parent"])
    table["planning_code"] = table["code"].map(cross["planning_code"])
    table = table.rename(columns={"three_category": "category"})
    table["category"] = table["category"].replace("", None)
    table["parent"] = table["parent"].replace("", None)
    return table.set_index("code")


def land_classes(*, variants: bool = True) -> pd.DataFrame:
    """The GB/T 21010-2017 table (and third-survey variants), indexed by code.

    Parameters
    ----------
    variants : bool, default True
        Include the third-survey working variants (05H1, 0508, 08H1, 08H2, A/K suffixes).

    Returns
    -------
    pandas.DataFrame
        Index ``code``; columns ``level`` (1 or 2), ``parent``, ``name_zh``, ``name_en``,
        ``category`` (A/C/U; missing for the level-1 classes 04, 10, 11, 12 whose
        level-2 classes fall in different categories), ``base_code`` (the GB/T code a
        variant stands for), ``is_variant``, ``level1`` and ``planning_code`` (level-1
        class of the 2020 land-and-sea planning classification; level-2 rows only).

    Examples
    --------
    >>> t = land_classes(variants=False)
    >>> int((t.level == 1).sum()), int((t.level == 2).sum())
    (12, 73)
    >>> t.loc["0702", "name_en"]
    'Rural homestead'
    """
    t = _land_classes()
    return (t if variants else t[~t["is_variant"]]).copy()


@functools.lru_cache(maxsize=1)
def _ownership() -> pd.DataFrame:
    return _read("ownership_qsxz.csv").set_index("code")


def ownership_codes() -> pd.DataFrame:
    """The ownership codes QSXZ, indexed by code.

    Columns ``name_zh``, ``name_en``, ``owner`` (``state``/``collective``) and ``right``
    (``ownership``/``use_right``).

    >>> ownership_codes().loc["32", "name_en"]
    'Collective ownership: village collective'
    """
    return _ownership().copy()


@functools.lru_cache(maxsize=1)
def _planning() -> pd.DataFrame:
    return _read("planning2020_level1.csv").set_index("code")


def planning_classes() -> pd.DataFrame:
    """Level-1 classes of the 2020 land-and-sea planning classification, indexed by code.

    >>> planning_classes().loc["09", "name_en"]
    'Commercial and business service land'
    """
    return _planning().copy()


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, str):
        values = [values]
    return pd.Series(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)


def _norm_one(v: Any, kind: str) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return pd.NA
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    s = str(v).strip().upper()
    if s == "" or s == "NAN":
        return pd.NA
    if kind == "land_class" and s.isdigit() and len(s) in (1, 3):
        s = s.zfill(len(s) + 1)  # 1 -> 01, 101 -> 0101: leading zero lost in a spreadsheet
    return s


def normalize_codes(values: Iterable[Any], *, kind: CodeKind = "land_class") -> pd.Series:
    """Canonical string codes: strip, upper-case, restore a lost leading zero.

    Parameters
    ----------
    values : iterable
        Codes as strings, integers or floats; missing values stay missing (``<NA>``).
    kind : {"land_class", "ownership", "planning"}
        Only land-class codes get the leading zero back (``101`` -> ``"0101"``).

    Returns
    -------
    pandas.Series
        Object dtype, aligned to ``values`` (same index when a Series is given).

    Examples
    --------
    >>> normalize_codes([101, 1104.0, "0810a", None]).tolist()
    ['0101', '1104', '0810A', <NA>]
    """
    check_choice(kind, "kind", _KINDS)
    s = _as_series(values)
    # normalise each distinct value once (survey layers hold millions of rows, few codes)
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    norm = np.array([_norm_one(v, kind) for v in uniques] + [pd.NA], dtype=object)
    return pd.Series(norm[codes], index=s.index, dtype=object, name=s.name)


_TABLE_NAMES = {
    "land_class": "GB/T 21010-2017 or the third-survey variants",
    "ownership": "the QSXZ ownership codes (10, 20, 30-34, 40)",
    "planning": "the level-1 classes of the 2020 planning classification (01-24)",
}


def _warn_unknown(codes: pd.Series, kind: str, func: str, gives: str, *, stacklevel: int) -> None:
    """Warn about codes not in the table of ``kind`` (``stacklevel`` counted from here)."""
    valid = _valid_set(kind, allow_level1=True)
    bad = codes.notna().to_numpy() & ~codes.isin(valid).to_numpy()
    if not bad.any():
        return
    unknown = sorted({str(c) for c in codes[bad]})
    shown = ", ".join(repr(c) for c in unknown[:_SHOW]) + (
        f" and {len(unknown) - _SHOW} more" if len(unknown) > _SHOW else "")
    fix = ("urbangeo.landuse.land_classes() lists the valid codes; tables of the 2007 edition differ"
           if kind == "land_class" else "urbangeo.landuse.ownership_codes() lists the valid codes")
    warnings.warn(
        f"{func}: `values` has {int(bad.sum())} value{'s' if bad.sum() > 1 else ''} with "
        f"{len(unknown)} code{'s' if len(unknown) > 1 else ''} not in {_TABLE_NAMES[kind]} ({shown}); "
        f"they give {gives}. Correct the codes ({fix}), or check a layer first with validate_codes.",
        UnknownCodeWarning,
        stacklevel=stacklevel,
    )


def _lookup(values: Iterable[Any], column: str, func: str | None = None) -> pd.Series:
    """Map land-class codes to ``column`` of the table; ``func``: warn about unknown codes in its name."""
    codes = normalize_codes(values)
    if func is not None:
        _warn_unknown(codes, "land_class", func, "<NA>", stacklevel=4)
    table = _land_classes()
    out = codes.map(table[column])
    return out.astype(object).where(out.notna(), pd.NA)


def category_of(values: Iterable[Any]) -> pd.Series:
    """Three-category class (``"A"``, ``"C"``, ``"U"``) of land-class codes.

    The level-1 codes 04, 10, 11 and 12 (whose sub-classes fall in different
    categories) give ``<NA>``; so do missing and unknown codes.

    Parameters
    ----------
    values : iterable
        Land-class codes (any spelling :func:`normalize_codes` accepts).

    Returns
    -------
    pandas.Series
        Object dtype, aligned to ``values``.

    Warns
    -----
    UnknownCodeWarning
        Codes not in GB/T 21010-2017 or the third-survey variants give ``<NA>``; the
        warning lists them (missing values stay ``<NA>`` without a warning). Check a
        layer with :func:`validate_codes` to get an error with the rows instead.

    Examples
    --------
    >>> category_of(["0404", "1006", "1103", "04"]).tolist()
    ['U', 'A', 'C', <NA>]
    """
    return _lookup(values, "category", "category_of")


def level1_of(values: Iterable[Any]) -> pd.Series:
    """Level-1 GB/T 21010 class of land-class codes (``"0508"`` -> ``"05"``).

    Parameters
    ----------
    values : iterable
        Land-class codes (any spelling :func:`normalize_codes` accepts).

    Returns
    -------
    pandas.Series
        Object dtype, aligned to ``values``; missing and unknown codes give ``<NA>``.

    Warns
    -----
    UnknownCodeWarning
        Codes not in GB/T 21010-2017 or the third-survey variants give ``<NA>``; the
        warning lists them (missing values stay ``<NA>`` without a warning). Check a
        layer with :func:`validate_codes` to get an error with the rows instead.

    Examples
    --------
    >>> level1_of(["0101", "08H2A", "12"]).tolist()
    ['01', '08', '12']
    """
    return _lookup(values, "level1", "level1_of")


def name_of(values: Iterable[Any], *, lang: Literal["en", "zh"] = "en") -> pd.Series:
    """Chinese or English name of land-class codes.

    Parameters
    ----------
    values : iterable
        Land-class codes (any spelling :func:`normalize_codes` accepts).
    lang : {"en", "zh"}, default "en"
        Language of the names.

    Returns
    -------
    pandas.Series
        Object dtype, aligned to ``values``; missing and unknown codes give ``<NA>``.

    Warns
    -----
    UnknownCodeWarning
        Codes not in GB/T 21010-2017 or the third-survey variants give ``<NA>``; the
        warning lists them (missing values stay ``<NA>`` without a warning). Check a
        layer with :func:`validate_codes` to get an error with the rows instead.

    Examples
    --------
    >>> name_of(["0702"], lang="zh").tolist()
    ['农村宅基地']
    """
    check_choice(lang, "lang", ("en", "zh"))
    return _lookup(values, f"name_{lang}", "name_of")


def planning_class_of(values: Iterable[Any]) -> pd.Series:
    """Level-1 class of the 2020 land-and-sea planning classification for level-2 codes.

    Parameters
    ----------
    values : iterable
        Land-class codes (any spelling :func:`normalize_codes` accepts).

    Returns
    -------
    pandas.Series
        Object dtype, aligned to ``values``; level-1, missing and unknown codes give ``<NA>``.

    Warns
    -----
    UnknownCodeWarning
        Codes not in GB/T 21010-2017 or the third-survey variants give ``<NA>``; the
        warning lists them (missing values stay ``<NA>`` without a warning). Check a
        layer with :func:`validate_codes` to get an error with the rows instead.

    Examples
    --------
    >>> planning_class_of(["0601", "0604", "1006", "0303"]).tolist()
    ['10', '11', '06', '05']
    """
    return _lookup(values, "planning_code", "planning_class_of")


def is_collective(values: Iterable[Any]) -> pd.Series:
    """True where the ownership code QSXZ is collective ownership (30-34).

    Collective *use rights* (40) are not ownership and give False; missing gives False.

    Parameters
    ----------
    values : iterable
        Ownership codes QSXZ (strings or numbers).

    Returns
    -------
    pandas.Series
        Bool dtype, aligned to ``values``.

    Warns
    -----
    UnknownCodeWarning
        Codes that are not QSXZ codes (10, 20, 30-34, 40) give False; the warning lists
        them (missing values give False without a warning).

    Examples
    --------
    >>> is_collective([30, "32", 10, 40, None]).tolist()
    [True, True, False, False, False]
    """
    codes = normalize_codes(values, kind="ownership")
    _warn_unknown(codes, "ownership", "is_collective", "False", stacklevel=3)
    return codes.isin(COLLECTIVE_OWNERSHIP).astype(bool)


def _valid_set(kind: str, allow_level1: bool) -> set[str]:
    if kind == "ownership":
        return set(_ownership().index)
    if kind == "planning":
        return set(_planning().index)
    t = _land_classes()
    return set(t.index if allow_level1 else t.index[t["level"] == 2])


def validate_codes(
    frame: pd.DataFrame,
    *,
    code_col: str = "DLBM",
    kind: CodeKind = "land_class",
    allow_level1: bool = True,
    allow_missing: bool = False,
    name: str = "parcels",
) -> None:
    """Raise :class:`~urbangeo.errors.UnknownCodeError` if ``frame[code_col]`` has unknown codes.

    Codes are compared after :func:`normalize_codes`. Land-class codes are checked
    against GB/T 21010-2017 plus the third-survey variants shipped with urbangeo (web
    tables of the 2007 edition differ, e.g. its 0603 is storage, not salt pans).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        Table holding the codes; it is not modified.
    code_col : str, default "DLBM"
        Column with the codes.
    kind : {"land_class", "ownership", "planning"}
        Which table to check against: GB/T 21010 land classes, QSXZ ownership codes,
        or level-1 codes of the 2020 planning classification.
    allow_level1 : bool, default True
        Accept level-1 land classes (``"01"``) as well as level-2 ones (``"0101"``).
    allow_missing : bool, default False
        Accept missing values; otherwise they are reported as ``'<missing>'``.
    name : str
        Name of ``frame`` used in the error message.

    Raises
    ------
    UnknownCodeError
        Lists every bad code with the row labels holding it; ``.codes`` and ``.rows``
        hold them for programs.
    MissingColumnError
        If ``code_col`` is absent.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_codes(pd.DataFrame({"DLBM": ["0101", "0702", "9999"]}))
    Traceback (most recent call last):
    urbangeo.errors.UnknownCodeError: `parcels` column 'DLBM' has 1 code not in GB/T 21010-2017 ...
    """
    check_choice(kind, "kind", _KINDS)
    check_columns(frame, name, [code_col])
    codes = normalize_codes(frame[code_col], kind=kind)
    codes.index = frame.index
    valid = _valid_set(kind, allow_level1)
    missing = codes.isna().to_numpy()
    known = codes.isin(valid).to_numpy()
    bad = ~known & (~missing if allow_missing else np.ones(len(codes), dtype=bool))
    if not bad.any():
        return None
    shown = codes[bad].astype(object).where(~pd.isna(codes[bad]), "<missing>")
    groups = {str(c): list(rows) for c, rows in shown.groupby(shown, sort=True).groups.items()}
    parts = []
    for code, rows in list(groups.items())[:_SHOW]:
        head = ", ".join(repr(r) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        parts.append(f"{code!r} (rows {head})")
    more = f" and {len(groups) - _SHOW} more codes" if len(groups) > _SHOW else ""
    table = _TABLE_NAMES[kind]
    fix = (
        "See urbangeo.landuse.land_classes() for the valid codes; tables of the 2007 edition differ."
        if kind == "land_class"
        else "Correct the codes or pass the right column."
    )
    n = len(groups)
    raise UnknownCodeError(
        f"`{name}` column {code_col!r} has {n} code{'s' if n > 1 else ''} not in {table}: "
        f"{'; '.join(parts)}{more}. {fix}",
        codes=list(groups),
        rows=list(codes.index[bad]),
    )
