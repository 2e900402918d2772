"""Reference tables shipped in urbangeo/data (each row cites its source)."""

from __future__ import annotations

import os
from importlib import resources

import pandas as pd

from ..errors import InvalidOptionError, MissingColumnError


def load_table(name: str) -> pd.DataFrame:
    """Read ``urbangeo/data/<name>.csv`` (``#`` lines are comments)."""
    path = resources.files("urbangeo").joinpath("data", f"{name}.csv")
    with resources.as_file(path) as p:
        return pd.read_csv(p, comment="#", keep_default_na=True)


def table_arg(value, default_name: str, required: list[str], name: str) -> pd.DataFrame:
    """A user table (DataFrame or CSV path) or the shipped default, checked for columns."""
    if value is None:
        t = load_table(default_name)
    elif isinstance(value, pd.DataFrame):
        t = value.copy()
    elif isinstance(value, (str, os.PathLike)):
        t = pd.read_csv(value, comment="#")
    else:
        raise InvalidOptionError(f"`{name}` must be a DataFrame, a CSV path or None; got {type(value).__name__}.")
    missing = [c for c in required if c not in t.columns]
    if missing:
        raise MissingColumnError(f"`{name}` table lacks columns {missing}; see urbangeo/data/{default_name}.csv for the layout.")
    return t


def critical_values() -> dict[str, float]:
    t = load_table("subsidence_critical_values")
    return dict(zip(t["indicator"], t["value_si"].astype(float)))
