"""Area units shared by every wing: square metres, hectares and mu (亩).

One mu (市亩) is exactly 10000/15 m2 (666.666... m2; 666.7 is wrong by 0.005 %), one
hectare 10,000 m2. Every wing reports ``area_m2`` first and derives ``area_ha`` and
``area_mu`` from it with these constants, so the three columns always agree.

>>> MU_M2
666.6666666666666
>>> round(15000 / MU_M2, 12)
22.5
>>> m2_to_ha(25_000.0), m2_to_mu(10_000.0)
(2.5, 15.0)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from ._docs import shared_doc
from .errors import ColumnTypeError

__all__ = ["MU_M2", "HA_M2", "m2_to_mu", "m2_to_ha"]

#: Square metres in one mu (市亩), exactly.
MU_M2: float = 10000.0 / 15.0
#: Square metres in one hectare.
HA_M2: float = 10000.0


def _as_float_array(values: Any, name: str) -> np.ndarray:
    """``values`` as a float array (None/<NA> -> NaN), or ColumnTypeError for text and booleans."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        return arr.astype(float)
    flat = arr.ravel().tolist()
    if arr.dtype.kind == "O":
        def _missing(v: Any) -> bool:
            return v is None or v is pd.NA

        bad = [v for v in flat if not (_missing(v) or (isinstance(v, numbers.Real) and not isinstance(v, bool)))]
        if not bad:
            return np.array([np.nan if _missing(v) else float(v) for v in flat], dtype=float).reshape(arr.shape)
    else:
        bad = flat
    example = f" (e.g. {bad[0]!r})" if bad else ""
    raise ColumnTypeError(
        f"`{name}` must hold numbers (m2), but has dtype {arr.dtype}{example}; convert it first, e.g. "
        f"pandas.to_numeric({name}) (which raises on text that is not a number)."
    )


#: the docstring sections m2_to_mu and m2_to_ha share
_conversion_doc = shared_doc(conversion="""\
    Parameters
    ----------
    area_m2 : number or array-like of numbers
        Areas in m2; NaN and signs carry through as in numpy.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar, else a float array of the same shape.

    Raises
    ------
    ColumnTypeError
        ``area_m2`` holds text (or other values that are not numbers).""")


@_conversion_doc
def m2_to_mu(area_m2: Any) -> Any:
    """Convert square metres to mu exactly (``area_m2 * 15 / 10000``).

    {conversion}

    See Also
    --------
    m2_to_ha : the same for hectares.

    Examples
    --------
    >>> m2_to_mu(10000.0)
    15.0
    >>> m2_to_mu([10000.0, 2000.0]).tolist()
    [15.0, 3.0]
    """
    arr = _as_float_array(area_m2, "area_m2")
    if arr.ndim == 0:
        return float(arr) * 15.0 / 10000.0
    return arr * 15.0 / 10000.0


@_conversion_doc
def m2_to_ha(area_m2: Any) -> Any:
    """Convert square metres to hectares (``area_m2 / 10000``).

    {conversion}

    See Also
    --------
    m2_to_mu : the same for mu.

    Examples
    --------
    >>> m2_to_ha(16_000.0)
    1.6
    >>> m2_to_ha([10000.0, 2500.0]).tolist()
    [1.0, 0.25]
    """
    arr = _as_float_array(area_m2, "area_m2")
    if arr.ndim == 0:
        return float(arr) / HA_M2
    return arr / HA_M2
