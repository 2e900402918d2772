"""One validated settings object for the whole library.

>>> import urbangeo
>>> urbangeo.settings.walk_speed_kmh
4.5
>>> with urbangeo.settings.override(walk_speed_kmh=4.0):
...     urbangeo.settings.walk_speed_kmh
4.0
>>> urbangeo.settings.walk_speed_kmh
4.5

Unknown keys are rejected (a typo never silently creates a new setting):

>>> urbangeo.settings.walk_sped_kmh = 4  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
SettingsError: unknown setting 'walk_sped_kmh'
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import SettingsError

__all__ = ["Settings", "settings"]


@dataclass(frozen=True)
class _Option:
    default: Any
    doc: str
    check: Callable[[Any], bool]
    expect: str


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _non_negative(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _crs_or_none(v: Any) -> bool:
    if v is None:
        return True
    from pyproj import CRS

    try:
        CRS.from_user_input(v)
    except Exception:
        return False
    return True


_OPTIONS: dict[str, _Option] = {
    "walk_speed_kmh": _Option(
        4.5, "Walking speed for travel times (osmnx examples use 4.5 km/h).", _positive, "a number > 0"
    ),
    "bike_speed_kmh": _Option(15.0, "Cycling speed for travel times.", _positive, "a number > 0"),
    "drive_speed_kmh": _Option(
        30.0, "Fallback driving speed where no maxspeed or highway default applies.", _positive, "a number > 0"
    ),
    "max_snap_m": _Option(
        500.0, "Default maximum distance from a point to the street it is snapped to.", _positive, "a number > 0"
    ),
    "snap_warn_m": _Option(
        100.0,
        "Access legs (point to street) longer than this are noted in `snap_note` and counted in a "
        "SnapWarning: the point may have been moved across a river or a wall to the wrong street.",
        _positive,
        "a number > 0",
    ),
    "snap_component": _Option(
        "largest",
        "Edges points are snapped to: 'largest' (largest connected component of the network, so a point "
        "next to an isolated footway fragment is not stranded) or 'any'.",
        lambda v: v in ("largest", "any"),
        "'largest' or 'any'",
    ),
    "street_width_m": _Option(
        25.0, "Half-width of the buffer drawn around reached streets in isochrones.", _positive, "a number > 0"
    ),
    "sliver_tolerance_m2": _Option(
        1.0,
        "Overlaps smaller than this (m2) are treated as digitising slivers, not real overlaps.",
        _non_negative,
        "a number >= 0",
    ),
    "metric_crs": _Option(
        None,
        "Force this metric CRS for internal computations instead of the automatic choice.",
        _crs_or_none,
        "None or anything pyproj.CRS accepts, e.g. 'EPSG:4547'",
    ),
    "progress": _Option(False, "Show tqdm progress bars by default.", _bool, "True or False"),
}


class Settings:
    """Library-wide settings: rejects unknown keys and bad values, shows its values.

    Use :meth:`override` for a scoped change and :meth:`reset` to restore defaults.
    """

    __slots__ = ("_values",)

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {k: o.default for k, o in _OPTIONS.items()})

    def _check(self, key: str, value: Any) -> None:
        if key not in _OPTIONS:
            import difflib

            close = difflib.get_close_matches(key, _OPTIONS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SettingsError(
                f"unknown setting '{key}'.{hint} Valid settings: {', '.join(sorted(_OPTIONS))}."
            )
        opt = _OPTIONS[key]
        if not opt.check(value):
            raise SettingsError(f"setting '{key}' got {value!r}; it must be {opt.expect}.")

    def __getattr__(self, key: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if key in values:
            return values[key]
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            self._check(key, None)
        except SettingsError as exc:  # reading an unknown name is an AttributeError (hasattr works)
            raise AttributeError(str(exc)) from None
        raise AttributeError(key)  # pragma: no cover

    def __setattr__(self, key: str, value: Any) -> None:
        self._check(key, value)
        self._values[key] = value

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(_OPTIONS))

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        """Return the current values as a plain dict."""
        return dict(self._values)

    def describe(self) -> str:
        """Return a table of every setting, its value, default and meaning."""
        rows = [f"{'setting':<20} {'value':<12} {'default':<12} meaning"]
        for k, o in _OPTIONS.items():
            rows.append(f"{k:<20} {self._values[k]!r:<12} {o.default!r:<12} {o.doc}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Settings({inner})"

    def reset(self) -> None:
        """Restore every setting to its default."""
        self._values.update({k: o.default for k, o in _OPTIONS.items()})

    @contextlib.contextmanager
    def override(self, **values: Any) -> Iterator[Settings]:
        """Temporarily change settings inside a ``with`` block.

        All values are validated before any is applied.
        """
        for k, v in values.items():
            self._check(k, v)
        old = {k: self._values[k] for k in values}
        self._values.update(values)
        try:
            yield self
        finally:
            self._values.update(old)


settings = Settings()
