"""Private OSM reader: pyosmium straight into NumPy arrays (no networkx graph).

One pass over the file: libosmium (C++) keeps every node location in an in-memory
index and hands Python only the ways that carry a ``highway`` tag. Python looks at a
dozen tags per way (the mode filter, one-way and speed rules) and collects node ids
and fixed-point coordinates; everything after that is vectorised NumPy.

Filters
-------
The way filters are osmnx's ``network_type`` filters (``osmnx/_overpass.py``,
``_get_network_filter``, osmnx 2.1), evaluated with the same unanchored regular
expressions Overpass uses (so ``highway=motorway_link`` is excluded from ``walk`` by
``motor``), plus one documented extension: ``access=no`` (osmnx only drops
``access=private``) excludes a way unless the mode's own tag (``foot`` / ``bicycle`` /
``motor_vehicle``/``motorcar``) says ``yes``, ``designated``, ``permissive`` or
``destination``.

One-way rules (osmnx's ``_is_path_one_way``)
--------------------------------------------
``walk`` ignores one-way tags. ``bike`` and ``drive`` treat ``oneway`` in
{yes, true, 1, -1, reverse, T, F} and ``junction=roundabout`` as one-way; -1, reverse
and T reverse the node order. ``oneway=reversible`` / ``alternating`` are travelled
both ways (as osmnx does). ``bike`` also honours ``oneway:bicycle=no`` (two-way for
cyclists), which osmnx does not.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from .._progress import progress_bar
from ..errors import EmptyDataError, InvalidOptionError, MissingDependencyError

log = logging.getLogger(__name__)

_DATA = resources.files("urbangeo").joinpath("data")  # package data, read one way (importlib.resources)

#: osmnx 2.1 network_type filters: (key, regex) pairs; a way is excluded when the key is
#: present and ``re.search(regex, value)`` matches (Overpass ``["key"!~"regex"]``).
OSMNX_FILTERS: dict[str, list[tuple[str, str]]] = {
    "walk": [
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
            "proposed|raceway|razed|rest_area|services",
        ),
        ("foot", "no"),
        ("service", "private"),
        ("sidewalk", "separate"),
        ("sidewalk:both", "separate"),
        ("sidewalk:left", "separate"),
        ("sidewalk:right", "separate"),
    ],
    "bike": [
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bus_guideway|construction|corridor|elevator|escalator|footway|"
            "motor|no|planned|platform|proposed|raceway|razed|rest_area|services|steps",
        ),
        ("bicycle", "no"),
        ("service", "private"),
    ],
    "drive": [
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
            "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
            "rest_area|service|services|steps|track",
        ),
        ("motor_vehicle", "no"),
        ("motorcar", "no"),
        ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
    ],
}
#: tags that lift an ``access=no`` for the mode (urbangeo extension, see module doc)
_MODE_PERMIT_KEYS = {"walk": ("foot",), "bike": ("bicycle",), "drive": ("motor_vehicle", "motorcar")}
_PERMIT_VALUES = frozenset({"yes", "designated", "permissive", "destination"})
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
#: OSM tags kept on every edge (``Network.edge_attrs``) so snapping can skip places where
#: people cannot be (tunnels, covered or indoor ways, underground levels, private
#: ways): see :func:`urbangeo.accessibility.snapping.default_snap_filter`.
SNAP_TAGS = ("tunnel", "bridge", "layer", "covered", "access", "indoor", "level")
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})

# pyosmium stores coordinates as int32 fixed point (1e-7 degree); this marks "no location"
_UNDEFINED = 2147483647
_MPH = 1.609344


def _compiled(mode: str) -> list[tuple[str, re.Pattern]]:
    return [(k, re.compile(rx)) for k, rx in OSMNX_FILTERS[mode]]


def way_passes(tags, mode: str, _cache: dict = {}) -> bool:  # noqa: B006 - module-level cache
    """True if a way with ``tags`` (anything with ``.get``) belongs to the ``mode`` network."""
    rules = _cache.get(mode)
    if rules is None:
        rules = _cache[mode] = _compiled(mode)
    if tags.get("highway") is None:
        return False
    for key, rx in rules:
        value = tags.get(key)
        if value is not None and rx.search(value):
            return False
    if tags.get("access") == "no":
        return any(tags.get(k) in _PERMIT_VALUES for k in _MODE_PERMIT_KEYS[mode])
    return True


def way_direction(tags, mode: str) -> int:
    """0: two-way, 1: one-way along the node order, -1: one-way against it."""
    if mode == "walk":
        return 0
    if mode == "bike" and tags.get("oneway:bicycle") == "no":
        return 0
    oneway = tags.get("oneway")
    if oneway in ONEWAY_VALUES:
        return -1 if oneway in REVERSED_VALUES else 1
    if tags.get("junction") == "roundabout":
        return 1
    return 0


# --------------------------------------------------------------------------- speeds
@lru_cache(maxsize=1)
def highway_speeds() -> dict[str, float]:
    """Default driving speed (km/h) per ``highway`` value, from data/osm_highway_speeds.csv."""
    with _csv(_DATA.joinpath("osm_highway_speeds.csv")) as f:
        return {row["highway"]: float(row["speed_kmh"]) for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def maxspeed_zones() -> dict[str, float]:
    """Implicit ``maxspeed`` values such as ``RU:urban`` (km/h), from data/osm_maxspeed_zones.csv."""
    with _csv(_DATA.joinpath("osm_maxspeed_zones.csv")) as f:
        return {row["zone"]: float(row["speed_kmh"]) for row in csv.DictReader(f)}


def _csv(resource: Traversable) -> io.TextIOWrapper:
    """A package CSV opened for :mod:`csv` (UTF-8, ``newline=""``)."""
    # Traversable.open passes `newline` on to the file, but its declared signature has no such argument
    return io.TextIOWrapper(resource.open("rb"), encoding="utf-8", newline="")


_NUM = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def _one_maxspeed(value: str) -> float | None:
    m = _NUM.match(value)
    if m:
        speed = float(m.group(1).replace(",", "."))
        unit = (m.group(2) or "").lower()
        if unit == "mph":
            speed *= _MPH
        elif unit == "knots":
            speed *= 1.852
        return speed if speed > 0 else None
    zones = maxspeed_zones()
    key = value.strip()
    if key in zones:
        return zones[key]
    if ":" in key:  # "XX:urban" for a country not in the table -> the generic zone value
        generic = zones.get("*:" + key.split(":", 1)[1].lower())
        if generic is not None:
            return generic
    if key.lower() == "walk":
        return zones.get("*:walk")
    return None


def parse_maxspeed(value: str | None) -> float:
    """Speed in km/h from an OSM ``maxspeed`` value; NaN when it cannot be read.

    Numbers are km/h unless followed by ``mph`` (or ``knots``); implicit values such
    as ``RU:urban`` come from ``data/osm_maxspeed_zones.csv``; lists such as
    ``"50;30"`` give the mean of the readable values (as osmnx does); ``none``,
    ``signals``, ``variable`` and unreadable values give NaN (the highway default
    applies).

    >>> parse_maxspeed("50"), round(parse_maxspeed("30 mph"), 2), parse_maxspeed("50;30")
    (50.0, 48.28, 40.0)
    >>> parse_maxspeed("RU:urban")
    60.0
    """
    if value is None:
        return float("nan")
    parts = [p for p in (_one_maxspeed(v) for v in str(value).split(";")) if p is not None]
    return float(np.mean(parts)) if parts else float("nan")


def drive_speed(highway: str | None, maxspeed: str | None, fallback_kmh: float) -> float:
    """Driving speed of a way: its maxspeed, else the highway default, else ``fallback_kmh``."""
    speed = parse_maxspeed(maxspeed)
    if speed == speed:  # not NaN
        return speed
    if highway is None:
        return fallback_kmh
    return highway_speeds().get(highway, fallback_kmh)


# --------------------------------------------------------------------------- reading
@dataclass
class OsmWays:
    """Ways of one mode as flat arrays (node order already reversed for oneway=-1)."""

    way_id: np.ndarray  # (w,) int64
    offsets: np.ndarray  # (w+1,) int64 into refs
    refs: np.ndarray  # (r,) int64 OSM node ids
    lon: np.ndarray  # (r,) float64, NaN where the node is missing from the file
    lat: np.ndarray
    oneway: np.ndarray  # (w,) bool
    speed_kmh: np.ndarray  # (w,) float64
    highway: np.ndarray  # (w,) object
    name: np.ndarray  # (w,) object (None when absent)
    maxspeed: np.ndarray  # (w,) object (None when absent)
    n_missing_nodes: int
    #: SNAP_TAGS plus the mode's own access key(s) (foot / bicycle / motor_vehicle): (w,) object each
    tags: dict[str, np.ndarray] | None = None


SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.xml")


def read_ways(path: Path, mode: str, *, speed_kmh: float, progress: bool | None = False) -> OsmWays:
    """Read the ways of ``mode`` from an OSM file into :class:`OsmWays`."""
    try:
        import osmium
        from osmium.filter import EntityFilter, KeyFilter
    except ImportError as exc:  # pragma: no cover - osmium is in the network extra
        raise MissingDependencyError(
            "network_from_osm needs the `osmium` package (pyosmium): pip install 'urbangeo[network]'"
        ) from exc
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        raise InvalidOptionError(
            f"`path` {str(path)!r} is not an OSM file: expected one of {', '.join(SUFFIXES)}."
        )
    fp = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(EntityFilter(osmium.osm.WAY))
        .with_filter(KeyFilter("highway"))
    )
    drive = mode == "drive"
    way_ids: list[int] = []
    counts: list[int] = []
    refs: list[int] = []
    xs: list[int] = []
    ys: list[int] = []
    oneway: list[bool] = []
    speeds: list[float] = []
    highways: list[str | None] = []
    names: list[str | None] = []
    maxspeeds: list[str | None] = []
    tag_keys = SNAP_TAGS + _MODE_PERMIT_KEYS[mode][:1]
    kept_tags: dict[str, list] = {k: [] for k in tag_keys}
    try:
        for w in progress_bar(fp, progress=progress, desc="reading OSM ways"):
            if not isinstance(w, osmium.osm.Way):  # the filters above let ways through only
                continue
            tags = w.tags
            if not way_passes(tags, mode):
                continue
            # straight to the C++ node list: pyosmium's NodeRefList iterator adds ~2 us per node
            nds = w.nodes
            lst, data = nds._list, nds._pyosmium_data
            get = lst.get
            items = [get(data, i) for i in range(lst.size(data))]
            r = [n.ref for n in items]
            locs = [n.location for n in items]
            x = [loc.x for loc in locs]
            y = [loc.y for loc in locs]
            direction = way_direction(tags, mode)
            if direction < 0:
                r.reverse()
                x.reverse()
                y.reverse()
            highway = tags.get("highway")
            ms = tags.get("maxspeed")
            way_ids.append(w.id)
            counts.append(len(r))
            refs += r
            xs += x
            ys += y
            oneway.append(direction != 0)
            speeds.append(drive_speed(highway, ms, speed_kmh) if drive else speed_kmh)
            highways.append(highway)
            names.append(tags.get("name"))
            maxspeeds.append(ms)
            for k in tag_keys:
                kept_tags[k].append(tags.get(k))
            if drive and kept_tags["motor_vehicle"][-1] is None:
                kept_tags["motor_vehicle"][-1] = tags.get("motorcar")
    except RuntimeError as exc:  # libosmium: unreadable / corrupt file
        raise InvalidOptionError(f"`path` {str(path)!r} could not be read as an OSM file: {exc}") from exc
    if not way_ids:
        raise EmptyDataError(
            f"`path` {str(path)!r} has no ways for mode={mode!r} (no highway passing the {mode} "
            f"filter); check the file covers streets, or try another mode."
        )
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    xi = np.asarray(xs, dtype=np.int64)
    yi = np.asarray(ys, dtype=np.int64)
    missing = (xi == _UNDEFINED) | (yi == _UNDEFINED)
    lon = xi / 1e7
    lat = yi / 1e7
    lon[missing] = np.nan
    lat[missing] = np.nan
    n_missing = int(np.unique(np.asarray(refs, dtype=np.int64)[missing]).size) if missing.any() else 0
    if n_missing:
        log.warning(
            "%s: %d node(s) referenced by %s ways are missing from the file (clipped extract); "
            "the ways are cut there",
            path.name,
            n_missing,
            mode,
        )
    return OsmWays(
        way_id=np.asarray(way_ids, dtype=np.int64),
        offsets=offsets,
        refs=np.asarray(refs, dtype=np.int64),
        lon=lon,
        lat=lat,
        oneway=np.asarray(oneway, dtype=bool),
        speed_kmh=np.asarray(speeds, dtype=np.float64),
        highway=np.asarray(highways, dtype=object),
        name=np.asarray(names, dtype=object),
        maxspeed=np.asarray(maxspeeds, dtype=object),
        n_missing_nodes=n_missing,
        tags={k: np.asarray(v, dtype=object) for k, v in kept_tags.items()},
    )


def way_segments(ways: OsmWays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive node pairs of every way: (start index into refs, end index, way index).

    Pairs that cross a way boundary, touch a missing node, or repeat the same node
    (consecutive duplicates, which osmnx also removes) are left out.
    """
    n = len(ways.refs)
    way_of = np.repeat(np.arange(len(ways.way_id)), np.diff(ways.offsets))
    a = np.arange(n - 1)
    b = a + 1
    ok = way_of[a] == way_of[b]
    ok &= ~np.isnan(ways.lon[a]) & ~np.isnan(ways.lon[b])
    ok &= ways.refs[a] != ways.refs[b]
    return a[ok], b[ok], way_of[a[ok]]
