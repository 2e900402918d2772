"""Offline reader of OSM features (buildings, amenities, parks) with pyosmium.

``features_from_osm(path, tags={"amenity": ["school"], "leisure": ["park"], "building":
True})`` returns points (tagged nodes) and polygons (closed ways and multipolygon
relations) in EPSG:4326 with ``osm_type``, ``osm_id`` and one column per requested key:
the origins and facilities that :func:`~urbangeo.accessibility.nearest_facilities` and
the life-circle audit take, read from the same file as the network. Objects that do not
match are skipped; areas that osmium cannot assemble (broken multipolygons, typically
cut by the extract's boundary) are skipped, counted in ``attrs["skipped_areas"]`` and
logged. Data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..errors import InvalidOptionError

log = logging.getLogger(__name__)

__all__ = ["features_from_osm"]


def _check_tags(tags: Any) -> dict[str, set[str] | None]:
    """``{key: None (any value) or set of values}``; a typed error naming ``tags`` otherwise."""
    example = "tags={'amenity': ['school', 'kindergarten'], 'leisure': True}"
    if not isinstance(tags, Mapping) or not tags:
        raise InvalidOptionError(f"`tags` must be a non-empty mapping of OSM keys, e.g. {example}; got {tags!r}.")
    wanted: dict[str, set[str] | None] = {}
    for k, v in tags.items():
        if not isinstance(k, str) or not k:
            raise InvalidOptionError(f"`tags` keys must be OSM keys (text); got {k!r}. Example: {example}.")
        if v is True:
            wanted[k] = None
        elif isinstance(v, (list, tuple, set, frozenset)) and v and all(isinstance(x, str) for x in v):
            wanted[k] = set(v)
        else:
            raise InvalidOptionError(
                f"`tags[{k!r}]` must be True (any value) or a non-empty list of values; got {v!r}. "
                f"Write {{{k!r}: [{v!r}]}} for one value."
            )
    return wanted


def features_from_osm(
    path: str | os.PathLike,
    *,
    tags: Mapping[str, bool | list[str] | tuple[str, ...]],
    points: bool = True,
    areas: bool = True,
) -> gpd.GeoDataFrame:
    """Tagged nodes and areas of an OSM file matching ``tags``.

    Parameters
    ----------
    path : path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file (read offline).
    tags : mapping
        ``{key: True}`` for any value of the key, ``{key: [values]}`` for some values;
        an object matches if any key matches.
    points, areas : bool
        Read tagged nodes / closed ways and multipolygon relations.

    Returns
    -------
    GeoDataFrame
        EPSG:4326; columns ``osm_type`` ("node", "way" or "relation"), ``osm_id``, one
        column per key in ``tags`` (None where absent) and the geometry (Point, Polygon
        or MultiPolygon). ``attrs["skipped_areas"]`` counts areas that could not be
        assembled.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    InvalidOptionError
        ``tags`` is empty, or a value is neither True nor a list of values (a bare
        string such as ``{"amenity": "school"}`` would match its letters).

    Examples
    --------
    >>> from urbangeo.datasets import get_path
    >>> shops = features_from_osm(get_path("helsinki_pbf"), tags={"amenity": ["pharmacy"]})
    >>> sorted(shops.columns)
    ['amenity', 'geometry', 'osm_id', 'osm_type']
    >>> bool((shops["amenity"] == "pharmacy").all())
    True
    """
    import osmium

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`path`: no such file {str(path)!r}.")
    wanted = _check_tags(tags)
    keys = list(wanted)

    def match(t) -> bool:
        for k, vals in wanted.items():
            v = t.get(k)
            if v is not None and (vals is None or v in vals):
                return True
        return False

    wkb = osmium.geom.WKBFactory()
    rows_type, rows_id, rows_geom = [], [], []
    rows_tags: dict[str, list[str | None]] = {k: [] for k in keys}
    n_bad = 0

    # osmium filters in C++ first: only objects carrying one of the keys reach Python
    fp = osmium.FileProcessor(str(path)).with_locations()
    if areas:
        fp = fp.with_areas(osmium.filter.KeyFilter(*keys))
    fp = fp.with_filter(osmium.filter.KeyFilter(*keys))
    for o in fp:
        if isinstance(o, osmium.osm.Area):
            if not areas or not match(o.tags):
                continue
            try:
                g = wkb.create_multipolygon(o)
            except RuntimeError:
                n_bad += 1
                continue
            rows_type.append("way" if o.from_way() else "relation")
            rows_id.append(o.orig_id())
            rows_geom.append(bytes.fromhex(g) if isinstance(g, str) else g)
        elif isinstance(o, osmium.osm.Node):
            if not points or not match(o.tags):
                continue
            rows_type.append("node")
            rows_id.append(o.id)
            rows_geom.append(shapely.Point(o.location.lon, o.location.lat).wkb)
        else:
            continue
        for k in keys:
            rows_tags[k].append(o.tags.get(k))
    if n_bad:
        log.info("%s: %d areas could not be assembled and were skipped", path.name, n_bad)
    geom = shapely.from_wkb(np.array(rows_geom, dtype=object)) if rows_geom else np.empty(0, object)
    if len(geom):
        # single-part multipolygons become polygons
        single = shapely.get_num_geometries(geom) == 1
        poly = shapely.get_type_id(geom) == 6
        geom[single & poly] = shapely.get_geometry(geom[single & poly], 0)
    data = {"osm_type": rows_type, "osm_id": np.asarray(rows_id, dtype=np.int64)}
    data.update({k: np.asarray(v, dtype=object) for k, v in rows_tags.items()})
    out = gpd.GeoDataFrame(data, geometry=geom, crs="EPSG:4326")
    out.attrs["skipped_areas"] = n_bad
    return out
