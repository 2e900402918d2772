"""Street networks from any line layer: a bureau's road centre lines, with topology repair.

Planning bureaus draw their road centre lines in CAD or GIS: lines are not split where
streets cross, ends stop short of the street they meet (or overshoot it), pieces are
drawn twice, and some have no length. A routable network needs nodes where streets
meet. :func:`repair_street_lines` repairs the topology and returns a layer of every fix;
:func:`network_from_lines` builds a :class:`~urbangeo.accessibility.Network` from the
repaired lines.

The rules, in order:

1. Multi-part lines are exploded; pieces shorter than 1 mm are dropped
   (``zero_length``); exact duplicates (same level, same coordinates to 1 mm, either
   direction) are dropped (``duplicate``).
2. A *dangling* end (one that touches no other line) within ``snap_tolerance_m`` of
   another line is moved onto it (``end_snapped``): onto the nearest vertex of that line
   if one is within the tolerance (street junctions are vertices), else onto the
   nearest point of the line. Gaps are closed in order of their size, so two ends of
   a cut street meet once, not twice.
3. Lines of the same level are split wherever they cross or touch (``split``), with
   coordinates rounded to a 1 mm grid so that an end placed on a line meets it; lines
   drawn over each other are dissolved (``overlap_removed_m``).
4. Levels: lines of different levels (``level_col``; bridges +1, tunnels -1) never
   meet where they cross. A bridge or tunnel meets a street of another level only
   at its own ends (an end of a line at a higher ``abs(level)`` splits the street it
   lands on); a street never meets a bridge or tunnel in its middle.

Nothing is dropped or moved silently: :func:`network_from_lines` raises one
:class:`~urbangeo.errors.TopologyRepairWarning` with the counts and keeps them in
``network.meta["repairs"]``; :func:`repair_street_lines` returns the fixes as points.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .._validate import check_columns, check_number, validate_frame
from ..crs import metric_crs, project
from ..errors import InvalidOptionError, MissingValuesWarning, TopologyRepairWarning
from .network import MODES, Mode, Network, _mode_speed

log = logging.getLogger(__name__)

__all__ = ["repair_street_lines", "network_from_lines", "damage_street_lines"]

GRID_M = 1e-3  # coordinates are rounded to 1 mm when lines are noded
MIN_LENGTH_M = 1e-3
REPAIR_KINDS = ("split", "end_snapped", "duplicate", "zero_length")

_TRUE = {"yes", "true", "1", "y", "t", "ft", "forward"}
_REVERSE = {"-1", "tf", "reverse", "backward"}
_FALSE = {"no", "false", "0", "n", "f", "", "b", "both", "nan", "none"}


# --------------------------------------------------------------------------- parsing columns


def _flags(values: pd.Series, name: str) -> np.ndarray:
    """A yes/no column (bridge, tunnel) as booleans; unknown words raise."""
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating)):
            out[i] = bool(v)
            continue
        word = str(v).strip().lower()
        if word in _FALSE:
            continue
        # OSM writes the kind of bridge or tunnel ("viaduct", "culvert", "building_passage")
        out[i] = True
    return out


def _oneway(values: pd.Series, name: str) -> np.ndarray:
    """Oneway column -> +1 (along the line), -1 (against it), 0 (both ways)."""
    out = np.zeros(len(values), dtype=np.int8)
    bad: list[Any] = []
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            out[i] = int(v)
            continue
        if isinstance(v, (int, np.integer, float, np.floating)):
            if v in (0, 1, -1):
                out[i] = int(v)
                continue
            bad.append(v)
            continue
        word = str(v).strip().lower()
        if word in _TRUE:
            out[i] = 1
        elif word in _REVERSE:
            out[i] = -1
        elif word not in _FALSE:
            bad.append(v)
    if bad:
        raise InvalidOptionError(
            f"`{name}`: values {sorted({str(b) for b in bad})[:5]} are not oneway codes; use yes/true/1/FT (one way "
            f"along the line's direction), -1/TF/reverse (against it) or no/false/0/B/empty (both ways)."
        )
    return out


def _levels(frame: gpd.GeoDataFrame, level_col, bridge_col, tunnel_col) -> np.ndarray:
    level = np.zeros(len(frame), dtype=np.int64)
    if level_col is not None:
        raw = pd.to_numeric(frame[level_col], errors="coerce")
        text = frame[level_col].notna() & raw.isna()
        if text.any():
            raise InvalidOptionError(
                f"`level_col` {level_col!r}: values {sorted(frame.loc[text, level_col].astype(str).unique())[:5]} are "
                f"not numbers; the level is an integer (0 ground, 1 bridge, -1 tunnel, as OSM's layer)."
            )
        level = raw.fillna(0).round().astype(np.int64).to_numpy()
    if bridge_col is not None:
        level = np.where((level == 0) & _flags(frame[bridge_col], "bridge_col"), 1, level)
    if tunnel_col is not None:
        level = np.where((level == 0) & _flags(frame[tunnel_col], "tunnel_col"), -1, level)
    return level


# --------------------------------------------------------------------------- repair steps


class _Fixes:
    """Collects the fix points: kind, the source row, a detail and the distance moved."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, Any, Any, str, float]] = []
        self.overlap_m = 0.0

    def add(self, kind: str, point: Any, source: Any, detail: str, dist: float = 0.0) -> None:
        self.rows.append((kind, point, source, detail, dist))

    def counts(self) -> dict[str, float]:
        c: dict[str, float] = {k: 0 for k in REPAIR_KINDS}
        for r in self.rows:
            c[r[0]] += 1
        c["overlap_removed_m"] = round(self.overlap_m, 3)
        moved = [r[4] for r in self.rows if r[0] == "end_snapped"]
        c["longest_snap_m"] = round(max(moved), 3) if moved else 0.0
        return c

    def frame(self, crs: Any) -> gpd.GeoDataFrame:
        cols = ["repair", "geometry", "source", "detail", "dist_m"]
        df = pd.DataFrame(self.rows, columns=cols) if self.rows else pd.DataFrame({c: [] for c in cols})
        return gpd.GeoDataFrame(df, geometry="geometry", crs=crs)


def _explode(frame: gpd.GeoDataFrame, level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    geoms = shapely.force_2d(np.asarray(frame.geometry.values, dtype=object))
    parts, src = shapely.get_parts(geoms, return_index=True)
    return np.asarray(parts, dtype=object), src.astype(np.int64), level[src]


def _drop_degenerate(parts, src, lev, labels, fixes: _Fixes):
    """Drop parts shorter than 1 mm and exact duplicates (either direction, same level)."""
    short = shapely.length(parts) < MIN_LENGTH_M
    for i in np.flatnonzero(short):
        fixes.add("zero_length", shapely.get_point(parts[i], 0), labels[src[i]], "line shorter than 1 mm dropped")
    keep = ~short
    key = shapely.to_wkb(shapely.normalize(shapely.set_precision(parts, GRID_M)))
    keyed = pd.Series([k + str(lv).encode() for k, lv in zip(key, lev)])
    dup = keyed.duplicated().to_numpy() & keep
    first = keyed.map(dict(zip(keyed[~keyed.duplicated()], np.flatnonzero(~keyed.duplicated().to_numpy()))))
    for i in np.flatnonzero(dup):
        fixes.add(
            "duplicate",
            shapely.line_interpolate_point(parts[i], 0.5, normalized=True),
            labels[src[i]],
            f"same line as row {labels[src[int(first.iloc[i])]]!r}, dropped",
        )
    keep &= ~dup
    return parts[keep], src[keep], lev[keep]


def _may_meet(end_level: int, other_level: int, at_other_end: bool) -> bool:
    """Level rule: same level; or end to end; or a bridge/tunnel end landing on a street nearer the ground."""
    return end_level == other_level or at_other_end or abs(end_level) > abs(other_level)


def _dangling(coords: list[np.ndarray], tree: shapely.STRtree) -> list[tuple[int, int]]:
    """(part, end) pairs of ends that touch no other line; closed rings have none."""
    n = len(coords)
    ends = np.array([[c[0], c[-1]] for c in coords]).reshape(2 * n, 2)
    pts = shapely.points(ends)
    pi, pj = tree.query(pts, predicate="dwithin", distance=GRID_M)
    touched = np.zeros(2 * n, dtype=bool)
    # an end that touches another line meets it, whatever the levels (OSM: a shared node)
    touched[pi[pj != pi // 2]] = True
    closed = np.array([np.hypot(*(c[0] - c[-1])) <= GRID_M for c in coords])
    return [(int(k) // 2, int(k) % 2) for k in np.flatnonzero(~touched) if not closed[int(k) // 2]]


def _end_dir(c: np.ndarray, e: int) -> np.ndarray:
    """Unit direction in which the line leaves through end ``e`` (0 start, 1 end)."""
    d = (c[0] - c[1]) if e == 0 else (c[-1] - c[-2])
    n = float(np.hypot(*d))
    return d / n if n > 0 else d


def _pointed_end(ends: np.ndarray, dirs: np.ndarray) -> np.ndarray | None:
    """The end of the group that the most other ends point to (on their extension, within 5 cm): an
    uncut end where cut ones meet it. None when no end points to another."""
    points = np.zeros((len(ends), len(ends)), dtype=bool)
    for a in range(len(ends)):
        rel = ends - ends[a]
        along = rel @ dirs[a]
        across = np.abs(rel[:, 0] * dirs[a][1] - rel[:, 1] * dirs[a][0])
        hit = (along > GRID_M) & (across <= 0.05)
        hit[a] = False
        points[a] = hit
    mutual = points & points.T  # two ends facing each other (a cut straight street): neither is the meeting point
    votes = (points & ~mutual).sum(axis=0)
    if int(np.max(votes)) == 0:
        return None
    return ends[int(np.argmax(votes))].copy()


def _meeting_point(ends: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """Least-squares meeting point of the lines through ``ends`` along ``dirs``; their mean when parallel."""
    a = np.zeros((2, 2))
    b = np.zeros(2)
    for p, d in zip(ends, dirs):
        proj = np.eye(2) - np.outer(d, d)
        a += proj
        b += proj @ p
    if np.linalg.cond(a) > 1e6:
        return ends.mean(axis=0)
    return np.linalg.solve(a, b)


def _ray_hit(p: np.ndarray, d: np.ndarray, part: int, cands, coords, lev, tol: float):
    """Nearest point where the end, extended along its direction by at most ``tol``, meets an allowed line."""
    if not np.any(d):
        return None
    ray = shapely.linestrings([p, p + d * tol])
    best = None
    for b in cands:
        if b == part or not (lev[part] == lev[b] or abs(lev[part]) > abs(lev[b])):
            continue
        with np.errstate(invalid="ignore"):  # GEOS 3.11 flags some collinear overlaps; the result is still right
            hit = shapely.intersection(ray, shapely.linestrings(coords[b]))
        if hit.is_empty:
            continue
        for q in shapely.get_coordinates(hit):
            dist = float(np.hypot(*(q - p)))
            if dist > GRID_M and (best is None or dist < best[0]):
                best = (dist, q, b)
    return best


def _snap_target(p: np.ndarray, e: int, part: int, cands, coords, lev, tol: float):
    """Where a dangling end goes: a junction (another line's end) within tol; else where the end,
    extended, meets a line; else the nearest point of a line within tol. ``(dist, point, line)`` or None."""
    best_end = best_line = None
    for b in cands:
        if b == part:
            continue
        c = coords[b]
        for q in (c[0], c[-1]):
            d = float(np.hypot(*(q - p)))
            if d <= tol and _may_meet(int(lev[part]), int(lev[b]), True) and (best_end is None or d < best_end[0]):
                best_end = (d, q.copy(), b)
        if lev[part] == lev[b] or abs(lev[part]) > abs(lev[b]):
            line = shapely.linestrings(c)
            with np.errstate(invalid="ignore"):  # GEOS 3.11: a degenerate projection gives NaN, skipped below
                q = shapely.get_coordinates(shapely.line_interpolate_point(line, shapely.line_locate_point(line, shapely.points(p))))[0]
            dl = float(np.hypot(*(q - p)))
            if np.isfinite(dl) and dl <= tol and (best_line is None or dl < best_line[0]):
                best_line = (dl, q, b)
    if best_end is not None:
        return best_end
    hit = _ray_hit(p, _end_dir(coords[part], e), part, cands, coords, lev, tol)
    return hit if hit is not None else best_line


def _pick_junction(p: np.ndarray, d: np.ndarray, cands: np.ndarray) -> tuple[np.ndarray, float]:
    """The junction a cut end points to (on its extension, within 5 cm of it), else the nearest one."""
    rel = cands - p
    along = rel @ d
    across = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0])
    dist = np.hypot(rel[:, 0], rel[:, 1])
    ahead = (along > 0) & (across <= 0.05)
    k = int(np.argmin(dist))
    if ahead.any():  # a junction straight ahead wins over a nearer one only when it is not much farther
        k_ahead = int(np.argmin(np.where(ahead, dist, np.inf)))
        if dist[k_ahead] <= 1.5 * dist[k]:
            k = k_ahead
    return cands[k].copy(), float(dist[k])


def _end_xy(coords, p: int, e: int) -> np.ndarray:
    return coords[p][0 if e == 0 else -1]


def _move_end(coords, p: int, e: int, q: np.ndarray) -> bool:
    new = coords[p].copy()
    new[0 if e == 0 else -1] = q
    if shapely.length(shapely.linestrings(new)) < MIN_LENGTH_M:
        return False
    coords[p] = new
    return True


def _gap_clusters(dangling: list[tuple[int, int]], coords, tol: float) -> list[list[int]]:
    """Groups (indices into ``dangling``) of two or more dangling ends that lie within tol of
    each other: the cut ends of one junction or of one street; a line never has both ends in a group."""
    if len(dangling) < 2:
        return []
    ends = np.array([_end_xy(coords, p, e) for p, e in dangling])
    tree = shapely.STRtree(shapely.points(ends))
    pi, pj = tree.query(shapely.points(ends), predicate="dwithin", distance=tol)
    parent = list(range(len(dangling)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(pi.tolist(), pj.tolist()):
        if a < b:  # ends meet end to end whatever their levels (a bridge or tunnel joins the street there)
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i in range(len(dangling)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for g in groups.values():
        lines = [dangling[i][0] for i in g]
        if len(g) >= 2 and len(set(lines)) == len(lines):
            out.append(g)
    return out


class _GapCloser:
    """The three steps of closing gaps, over the lines' coordinates (changed in place as ends move)."""

    def __init__(self, parts, src, lev, labels, tol: float, fixes: _Fixes) -> None:
        self.coords = [shapely.get_coordinates(g) for g in parts]
        self.tree = shapely.STRtree(parts)
        self.src, self.lev, self.labels, self.tol, self.fixes = src, lev, labels, tol, fixes
        self.dangling = _dangling(self.coords, self.tree)
        self.done: set[int] = set()

    def record(self, k: int, q: np.ndarray, dist: float, onto: str) -> None:
        p, e = self.dangling[k]
        if _move_end(self.coords, p, e, q):
            self.fixes.add("end_snapped", shapely.points(q), self.labels[self.src[p]], f"end moved {dist:.2f} m {onto}", dist)
        self.done.add(k)

    def onto_junctions(self) -> None:
        """1. An end near a junction (an end of another line that touches others) goes there, own level first."""
        coords, lev, dangling = self.coords, self.lev, self.dangling
        dangling_set = set(dangling)
        jkeys = [(p, e) for p in range(len(coords)) for e in (0, 1) if (p, e) not in dangling_set]
        if not jkeys:
            return
        junctions = np.array([_end_xy(coords, p, e) for p, e in jkeys])
        jlev = lev[np.array([p for p, _ in jkeys])]
        ends = np.array([_end_xy(coords, p, e) for p, e in dangling])
        for k, near in enumerate(cKDTree(junctions).query_ball_point(ends, self.tol)):
            p, e = dangling[k]
            near = [n for n in near if jkeys[n][0] != p]  # never onto its own line
            near = [n for n in near if jlev[n] == lev[p]] or near
            if near:
                q, d = _pick_junction(ends[k], _end_dir(coords[p], e), junctions[near])
                self.record(k, q, d, "onto a junction")

    def cut_ends_meet(self) -> None:
        """2. Several cut ends around one place meet at the end they point to, or where their lines meet."""
        left = [k for k in range(len(self.dangling)) if k not in self.done]
        for group in _gap_clusters([self.dangling[k] for k in left], self.coords, self.tol):
            ks = [left[g] for g in group]
            ends = np.array([_end_xy(self.coords, *self.dangling[k]) for k in ks])
            dirs = np.array([_end_dir(self.coords[self.dangling[k][0]], self.dangling[k][1]) for k in ks])
            q = _pointed_end(ends, dirs)
            q = _meeting_point(ends, dirs) if q is None else q
            dist = np.hypot(*(ends - q).T)
            if (dist > self.tol).any():
                continue
            for k, d in zip(ks, dist.tolist()):
                if d > GRID_M:
                    self.record(k, q, d, f"to meet {len(ks) - 1} other cut end(s)")
                else:
                    self.done.add(k)

    def onto_lines(self) -> None:
        """3. Single ends: along their direction onto a line, or onto the nearest line; smallest gaps first."""
        rest = [k for k in range(len(self.dangling)) if k not in self.done]
        if not rest:
            return
        pts = shapely.points(np.array([_end_xy(self.coords, *self.dangling[k]) for k in rest]))
        pi, pj = self.tree.query(pts, predicate="dwithin", distance=self.tol * 2)
        cands = {i: pj[pi == i].tolist() for i in np.unique(pi).tolist()}

        def target(i: int, k: int):
            p, e = self.dangling[k]
            return _snap_target(_end_xy(self.coords, p, e), e, p, cands.get(i, []), self.coords, self.lev, self.tol)

        plans = sorted((t[0], i, k) for i, k in enumerate(rest) if (t := target(i, k)) is not None)
        for _, i, k in plans:
            tgt = target(i, k)  # earlier moves count
            if tgt is not None and tgt[0] > GRID_M:
                self.record(k, tgt[1], tgt[0], f"onto row {self.labels[self.src[tgt[2]]]!r}")

    def lines(self) -> np.ndarray:
        return np.asarray([shapely.linestrings(c) for c in self.coords], dtype=object)


def _close_gaps(parts, src, lev, labels, tol: float, fixes: _Fixes) -> np.ndarray:
    """Close gaps up to ``tol``: ends go onto junctions, cut ends meet each other, single ends go onto lines."""
    if tol <= 0 or len(parts) < 2:
        return parts
    closer = _GapCloser(parts, src, lev, labels, tol, fixes)
    if not closer.dangling:
        return parts
    closer.onto_junctions()
    closer.cut_ends_meet()
    closer.onto_lines()
    return closer.lines()


def _node_levels(parts, src, lev, labels, fixes: _Fixes):
    """Split and dissolve lines level by level; bridge/tunnel ends split the streets they land on."""
    pieces, piece_lev = [], []
    for lv in np.unique(lev):
        sel = parts[lev == lv]
        noded = shapely.get_parts(shapely.union_all(sel, grid_size=GRID_M))
        noded = noded[shapely.get_type_id(noded) == 1]
        fixes.overlap_m += max(0.0, float(shapely.length(sel).sum() - shapely.length(noded).sum()) - 1e-3 * len(sel))
        pieces.append(noded)
        piece_lev.append(np.full(len(noded), lv, dtype=np.int64))
    pieces_a = np.concatenate(pieces) if pieces else np.empty(0, dtype=object)
    lev_a = np.concatenate(piece_lev) if piece_lev else np.empty(0, dtype=np.int64)
    if len(np.unique(lev_a)) > 1:
        pieces_a, lev_a = _split_at_level_ends(pieces_a, lev_a)
    return pieces_a, lev_a


def _split_at_level_ends(pieces: np.ndarray, lev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a street where a line of higher abs(level) ends on its interior."""
    ends = np.concatenate([shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)])
    end_lev = np.concatenate([lev, lev])
    tree = shapely.STRtree(pieces)
    pi, pj = tree.query(ends, predicate="dwithin", distance=GRID_M)
    cuts: dict[int, list[float]] = {}
    for a, b in zip(pi.tolist(), pj.tolist()):
        if end_lev[a] == lev[b]:
            continue  # same level: the noding has split it already
        d = float(shapely.line_locate_point(pieces[b], ends[a]))
        if GRID_M < d < float(shapely.length(pieces[b])) - GRID_M:
            cuts.setdefault(b, []).append(d)
    if not cuts:
        return pieces, lev
    from shapely.ops import substring

    out, out_lev = [], []
    for i, g in enumerate(pieces):
        if i not in cuts:
            out.append(g)
            out_lev.append(lev[i])
            continue
        marks = [0.0, *sorted(set(cuts[i])), float(g.length)]
        for a, b in zip(marks[:-1], marks[1:]):
            out.append(substring(g, a, b))
            out_lev.append(lev[i])
    return np.asarray(out, dtype=object), np.asarray(out_lev, dtype=np.int64)


def _source_of(pieces, piece_lev, parts, src, lev) -> np.ndarray:
    """Index (into parts) of the input line each piece comes from: nearest part of the same level to its middle."""
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    out = np.zeros(len(pieces), dtype=np.int64)
    for lv in np.unique(piece_lev):
        cand = np.flatnonzero(lev == lv)
        tree = shapely.STRtree(parts[cand])
        sel = np.flatnonzero(piece_lev == lv)
        idx = tree.query_nearest(mids[sel], all_matches=False, return_distance=False)
        out[sel[idx[0]]] = cand[idx[1]]
    return out


def _report_splits(pieces: np.ndarray, source_parts: np.ndarray, source_labels: np.ndarray, fixes: _Fixes) -> None:
    """One ``split`` fix per place where a line was cut: a piece end that is no end of the line it comes from."""
    ends = shapely.get_coordinates(np.concatenate([shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)]))
    part_ends = shapely.get_coordinates(np.concatenate([shapely.get_point(source_parts, 0), shapely.get_point(source_parts, -1)]))
    m = len(pieces)
    seen: set[tuple[float, float]] = set()
    for k in range(2 * m):
        i = k % m
        x, y = ends[k]
        if min(np.hypot(x - part_ends[i][0], y - part_ends[i][1]), np.hypot(x - part_ends[i + m][0], y - part_ends[i + m][1])) <= GRID_M:
            continue
        key = (round(x, 3), round(y, 3))
        if key not in seen:
            seen.add(key)
            fixes.add("split", shapely.points(x, y), source_labels[i], "line split where another crosses or meets it")


def _repair(lines, *, snap_tolerance_m, level_col, bridge_col, tunnel_col, crs, on_invalid):
    tol = check_number(snap_tolerance_m, "snap_tolerance_m", minimum=0)
    frame, _ = validate_frame(lines, "lines", geometry_types=["line"], on_invalid=on_invalid)
    for col in (level_col, bridge_col, tunnel_col):
        if col is not None:
            check_columns(frame, "lines", [col])
    target = metric_crs(frame, crs=crs, name="lines")
    frame_m = project(frame, target, name="lines")
    labels = frame.index.to_numpy()
    fixes = _Fixes()
    parts, src, lev = _explode(frame_m, _levels(frame_m, level_col, bridge_col, tunnel_col))
    parts, src, lev = _drop_degenerate(parts, src, lev, labels, fixes)
    parts = _close_gaps(parts, src, lev, labels, tol, fixes)
    pieces, piece_lev = _node_levels(parts, src, lev, labels, fixes)
    origin = _source_of(pieces, piece_lev, parts, src, lev)
    _report_splits(pieces, parts[origin], labels[src[origin]], fixes)
    return frame_m, labels, pieces, piece_lev, parts[origin], src[origin], fixes, target


def repair_street_lines(
    lines: gpd.GeoDataFrame,
    *,
    snap_tolerance_m: float = 2.0,
    level_col: str | None = None,
    bridge_col: str | None = None,
    tunnel_col: str | None = None,
    crs: Any = None,
    on_invalid: str = "fix",
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Repair the topology of a road centre-line layer; return the noded lines and the fixes.

    Parameters
    ----------
    lines : geopandas.GeoDataFrame
        LineString or MultiLineString rows in any CRS (a bureau's road layer, OSM ways).
    snap_tolerance_m : float, default 2.0
        Largest gap closed: a line end that touches nothing and lies within this distance
        of another line is moved onto it. ``0`` closes no gaps.
    level_col : str, optional
        Integer level of each line (OSM ``layer``: 0 ground, 1 bridge, -1 tunnel). Lines of
        different levels do not meet where they cross.
    bridge_col, tunnel_col : str, optional
        Yes/no columns; a bridge without a level gets level 1, a tunnel level -1.
    crs : CRS-like, optional
        Metric CRS to work in; default :func:`urbangeo.crs.metric_crs` of ``lines``.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        What to do with invalid geometries (see :func:`urbangeo.crs` conventions).

    Returns
    -------
    clean : geopandas.GeoDataFrame
        One row per street piece between two junctions (or a junction and a dead end), in
        the metric CRS, with the columns of ``lines`` (of the row each piece comes from),
        ``source`` (that row's label) and ``level``.
    fixes : geopandas.GeoDataFrame
        One point per repair: ``repair`` (``"split"``, ``"end_snapped"``, ``"duplicate"``,
        ``"zero_length"``), ``source`` (the row repaired), ``detail`` and ``dist_m`` (how far
        an end moved). ``fixes.attrs["counts"]`` has the counts and ``overlap_removed_m``,
        the length of lines drawn over each other that was dissolved.

    Raises
    ------
    GeometryTypeError
        ``lines`` holds rows that are not lines.
    CRSError
        ``lines`` has no CRS.
    InvalidOptionError
        ``snap_tolerance_m`` is negative, or a level column holds text.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (200, 0)]),
    ...                                    LineString([(100, -100), (100, -1.5)])], crs=4547)
    >>> clean, fixes = repair_street_lines(roads)  # the side street stops 1.5 m short
    >>> len(clean), sorted(fixes["repair"]), float(round(clean.length.sum(), 3))
    (3, ['end_snapped', 'split'], 300.0)
    """
    frame_m, labels, pieces, piece_lev, _, piece_src, fixes, target = _repair(
        lines, snap_tolerance_m=snap_tolerance_m, level_col=level_col, bridge_col=bridge_col,
        tunnel_col=tunnel_col, crs=crs, on_invalid=on_invalid,
    )
    attrs = pd.DataFrame(frame_m.drop(columns=frame_m.geometry.name)).iloc[piece_src].reset_index(drop=True)
    attrs["source"] = labels[piece_src]
    attrs["level"] = piece_lev
    clean = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(pieces, crs=target).values, crs=target)
    out = fixes.frame(target)
    out.attrs["counts"] = fixes.counts()
    return clean, out


def _orient(pieces: np.ndarray, parts: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Turn each one-way piece to run along (direction +1) or against (-1) its input line."""
    out = pieces.copy()
    sel = np.flatnonzero(direction != 0)
    if len(sel) == 0:
        return out
    a = shapely.line_locate_point(parts[sel], shapely.get_point(pieces[sel], 0))
    b = shapely.line_locate_point(parts[sel], shapely.get_point(pieces[sel], -1))
    flip = ((a > b) & (direction[sel] > 0)) | ((a < b) & (direction[sel] < 0))
    out[sel[flip]] = shapely.reverse(pieces[sel[flip]])
    return out


def _speeds(frame_m, speed_col, piece_src, default: float) -> np.ndarray:
    if speed_col is None:
        return np.full(len(piece_src), default)
    check_columns(frame_m, "lines", {speed_col: "numeric"})
    raw = frame_m[speed_col].to_numpy(dtype=float)
    if (raw[np.isfinite(raw)] <= 0).any():
        raise InvalidOptionError(f"`speed_col` {speed_col!r} has speeds <= 0 km/h; set a positive speed or drop the rows.")
    missing = ~np.isfinite(raw)
    if missing.any():
        warnings.warn(
            f"`speed_col` {speed_col!r} is missing on {int(missing.sum())} of {len(raw)} lines; they get the mode's "
            f"speed, {default:g} km/h (pass speed_kmh= to change it).",
            MissingValuesWarning,
            stacklevel=3,
        )
    return np.where(missing, default, raw)[piece_src]


def network_from_lines(
    lines: gpd.GeoDataFrame,
    *,
    mode: Mode = "walk",
    speed_col: str | None = None,
    oneway_col: str | None = None,
    level_col: str | None = None,
    bridge_col: str | None = None,
    tunnel_col: str | None = None,
    snap_tolerance_m: float = 2.0,
    simplify: bool = True,
    crs: Any = None,
    speed_kmh: float | None = None,
    on_invalid: str = "fix",
) -> Network:
    """A street :class:`Network` from any line layer, with topology repair.

    The lines are repaired by :func:`repair_street_lines` (split at crossings, gaps up to
    ``snap_tolerance_m`` closed, duplicates and zero-length pieces dropped, levels kept
    apart), then every piece becomes a street segment between two nodes.

    Parameters
    ----------
    lines : geopandas.GeoDataFrame
        Road centre lines (LineString or MultiLineString), any CRS: a bureau's
        Shapefile/GeoPackage, CAD export or OSM ways.
    mode : {"walk", "bike", "drive"}, default "walk"
        Walking ignores ``oneway_col`` (pedestrians use every street both ways).
    speed_col : str, optional
        Travel speed of each line in km/h; default the mode's speed (``speed_kmh`` or
        ``urbangeo.settings``). Missing values get that default, with a warning.
    oneway_col : str, optional
        One-way code: yes/true/1/FT along the line's drawn direction, -1/TF/reverse
        against it, no/false/0/B/empty both ways.
    level_col, bridge_col, tunnel_col : str, optional
        Levels, see :func:`repair_street_lines`.
    snap_tolerance_m : float, default 2.0
        Largest gap closed between a line end and another line.
    simplify : bool, default True
        Merge chains of pieces through nodes where only two pieces meet (lengths and
        travel times between junctions are unchanged).
    crs : CRS-like, optional
        Metric CRS to work in; default :func:`urbangeo.crs.metric_crs` of ``lines``.
    speed_kmh : float, optional
        Speed for lines without ``speed_col`` (default from ``urbangeo.settings``).
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        What to do with invalid geometries.

    Returns
    -------
    Network
        ``edge_attrs`` holds the columns of ``lines`` of the row each segment comes from,
        ``source`` (that row's label) and ``level``; ``meta["repairs"]`` counts the repairs.

    Raises
    ------
    GeometryTypeError, CRSError, InvalidOptionError
        As :func:`repair_street_lines`; also unknown oneway codes and speeds <= 0.

    Warns
    -----
    TopologyRepairWarning
        When any repair was made: the counts of each kind (the points are returned by
        :func:`repair_street_lines`).
    MissingValuesWarning
        ``speed_col`` is missing on some lines.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (200, 0)]),
    ...                                    LineString([(100, -100), (100, 100)])], crs=4547)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     net = network_from_lines(roads)
    >>> net.n_nodes, net.n_edges, net.meta["repairs"]["split"]
    (5, 4, 1)
    """
    if mode not in MODES:
        raise InvalidOptionError(f"`mode` must be one of {MODES}; got {mode!r}.")
    speed = _mode_speed(mode, speed_kmh)
    frame_m, labels, pieces, piece_lev, piece_part, piece_src, fixes, target = _repair(
        lines, snap_tolerance_m=snap_tolerance_m, level_col=level_col, bridge_col=bridge_col,
        tunnel_col=tunnel_col, crs=crs, on_invalid=on_invalid,
    )
    if oneway_col is not None and mode != "walk":
        check_columns(frame_m, "lines", [oneway_col])
        direction = _oneway(frame_m[oneway_col], "oneway_col")[piece_src]
    else:
        direction = np.zeros(len(pieces), dtype=np.int8)
    pieces = _orient(pieces, piece_part, direction)
    spd = _speeds(frame_m, speed_col, piece_src, speed)

    ends = shapely.get_coordinates(np.concatenate([shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)]))
    key = pd.MultiIndex.from_arrays([np.round(ends[:, 0], 3), np.round(ends[:, 1], 3)])
    codes, uniq = pd.factorize(key)
    m = len(pieces)
    xy = np.array([list(t) for t in uniq], dtype=float) if len(uniq) else np.empty((0, 2))
    attrs = pd.DataFrame(frame_m.drop(columns=frame_m.geometry.name)).iloc[piece_src].reset_index(drop=True)
    attrs["source"] = labels[piece_src]
    attrs["level"] = piece_lev
    counts = fixes.counts()
    net = Network(
        x=xy[:, 0], y=xy[:, 1], node_id=np.arange(len(xy), dtype=np.int64),
        edge_u=codes[:m], edge_v=codes[m:], edge_length_m=shapely.length(pieces),
        edge_geometry=pieces, edge_oneway=direction != 0, edge_speed_kmh=spd, crs=target, mode=mode,
        edge_attrs=attrs,
        meta={"source": "lines", "simplified": False, "speed_kmh": speed, "snap_tolerance_m": float(snap_tolerance_m),
              "repairs": counts},
    )
    if simplify:
        net = net.simplify(attrs_differ=("level",))
    _warn_repairs(counts)
    log.info("network_from_lines: %d lines -> %d segments, %d nodes; repairs %s", len(frame_m), net.n_edges, net.n_nodes, counts)
    return net


def _warn_repairs(counts: dict[str, float]) -> None:
    said = []
    if counts["split"]:
        said.append(f"split lines at {int(counts['split'])} crossings or touches")
    if counts["end_snapped"]:
        said.append(f"closed {int(counts['end_snapped'])} gaps (longest {counts['longest_snap_m']:.2f} m)")
    if counts["duplicate"]:
        said.append(f"dropped {int(counts['duplicate'])} duplicate lines")
    if counts["zero_length"]:
        said.append(f"dropped {int(counts['zero_length'])} zero-length lines")
    if counts["overlap_removed_m"] > 0.01:
        said.append(f"dissolved {counts['overlap_removed_m']:.1f} m of lines drawn over each other")
    if said:
        warnings.warn(
            "network_from_lines: " + "; ".join(said) + ". repair_street_lines(lines, ...) returns each fix as a "
            "point to check on a map; snap_tolerance_m sets the largest gap closed.",
            TopologyRepairWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------- modelled damage


def damage_street_lines(
    network: Network,
    *,
    seed: int = 0,
    merge_share: float = 0.3,
    gap_share: float = 0.1,
    duplicate_share: float = 0.05,
    shift_share: float = 0.05,
    gap_m: tuple[float, float] = (0.5, 2.0),
    shift_m: float = 0.3,
) -> gpd.GeoDataFrame:
    """A modelled bureau road layer: a network's streets as lines, damaged the way CAD drawings are.

    Reproducible (``seed``). The damage: streets merged straight through crossings (so lines
    are not split where they cross), ends cut back by ``gap_m`` so they stop short of the
    street they meet, duplicated lines, and ends shifted by ``shift_m``. The result is named
    as modelled data (``attrs["modelled"]``); OSM-derived inputs keep their attribution.

    Parameters
    ----------
    network : Network
        The street network whose edges become lines (e.g. from :func:`network_from_osm`).
    seed : int, default 0
        Seed of the random choices.
    merge_share, gap_share, duplicate_share, shift_share : float
        Shares (0-1) of crossings merged through, of line ends cut back, of lines
        duplicated and of line ends shifted.
    gap_m : (float, float), default (0.5, 2.0)
        Range of the lengths cut from ends (uniform).
    shift_m : float, default 0.3
        Distance an end is shifted (a random direction).

    Returns
    -------
    geopandas.GeoDataFrame
        Lines in the network's CRS with ``line_id``, ``oneway`` (yes/no), ``speed_kmh`` and,
        where the network has them, ``layer``, ``bridge`` and ``tunnel``; ``attrs`` records
        the damage counts.

    Examples
    --------
    >>> from urbangeo.accessibility import grid_network
    >>> lines = damage_street_lines(grid_network(5, 5, spacing_m=100), seed=1)
    >>> lines.attrs["modelled"]
    'modelled: damaged street lines (urbangeo.accessibility.damage_street_lines, seed=1)'
    """
    rng = np.random.default_rng(seed)
    edges = network.edges
    geoms = list(np.asarray(network.edge_geometry, dtype=object))
    u, v = network.edge_u.copy(), network.edge_v.copy()
    cols = {c: edges[c].tolist() for c in ("layer", "bridge", "tunnel") if c in edges.columns}
    oneway = network.edge_oneway.tolist()
    speed = network.edge_speed_kmh.tolist()
    counts = {"merged": 0, "gaps": 0, "duplicates": 0, "shifted": 0}
    # 1. merge straight through crossings: at a node of degree 4, join the two most opposite two-way edges
    alive = np.ones(len(geoms), dtype=bool)
    deg = np.bincount(np.concatenate([u, v]), minlength=network.n_nodes)
    for node in np.flatnonzero(deg == 4):
        if rng.random() >= merge_share:
            continue
        inc = [i for i in np.flatnonzero(alive & ((u == node) | (v == node))) if u[i] != v[i] and not oneway[i]]
        if len(inc) != 4:
            continue
        a, b = int(inc[0]), _most_opposite(int(inc[0]), [int(i) for i in inc[1:]], geoms, u, int(node))
        if any(not _same(cols[c][a], cols[c][b]) for c in cols):
            continue
        ga = geoms[a] if v[a] == node else shapely.reverse(geoms[a])
        gb = geoms[b] if u[b] == node else shapely.reverse(geoms[b])
        ca, cb = shapely.get_coordinates(ga), shapely.get_coordinates(gb)
        geoms[a] = shapely.linestrings(np.vstack([ca, cb[1:]]))
        ua = u[a] if v[a] == node else v[a]
        vb = v[b] if u[b] == node else u[b]
        u[a], v[a] = ua, vb
        alive[b] = False
        counts["merged"] += 1
    keep = np.flatnonzero(alive)
    out_geoms = [geoms[i] for i in keep]
    # 2. cut ends back, 3. shift ends: at most one damaged end per node, and none next to a short line
    # (a gap is then the distance between two pieces, at most gap_m[1])
    from shapely.ops import substring

    ku, kv = u[keep], v[keep]
    lengths = shapely.length(np.asarray(out_geoms, dtype=object))
    shortest = np.full(network.n_nodes, np.inf)
    np.minimum.at(shortest, ku, lengths)
    np.minimum.at(shortest, kv, lengths)
    damaged = np.zeros(network.n_nodes, dtype=bool)
    tree = shapely.STRtree(np.asarray(out_geoms, dtype=object))
    node_deg = np.bincount(np.concatenate([ku, kv]), minlength=network.n_nodes)  # dead ends stay as drawn
    # a junction closer than 3 x gap_m[1] to another, or next to a line that short, is ambiguous: not damaged
    nd, _ = cKDTree(np.c_[network.x, network.y]).query(np.c_[network.x, network.y], k=2)
    crowded = (nd[:, 1] <= 3 * gap_m[1]) | (shortest <= 3 * gap_m[1])
    for i in range(len(out_geoms)):
        g = out_geoms[i]
        for end, node in ((0, ku[i]), (-1, kv[i])):
            r = rng.random()
            if damaged[node] or node_deg[node] < 2 or crowded[node] or ku[i] == kv[i]:
                continue
            if r < gap_share:
                cut = rng.uniform(*gap_m)
                h = substring(g, cut, g.length) if end == 0 else substring(g, 0, g.length - cut)
                near = tree.query(shapely.get_point(h, end), predicate="dwithin", distance=0.01)
                if len(near[near != i]):  # the cut end lies on another line (drawn over this one): no gap
                    continue
                g = h
                counts["gaps"] += 1
                damaged[node] = True
            elif r < gap_share + shift_share:
                c = shapely.get_coordinates(g).copy()
                ang = rng.uniform(0, 2 * np.pi)
                c[end] += shift_m * np.array([np.cos(ang), np.sin(ang)])
                g = shapely.linestrings(c)
                counts["shifted"] += 1
                damaged[node] = True
        out_geoms[i] = g
    data = {
        "line_id": np.arange(len(keep)),
        "oneway": ["yes" if oneway[i] else "no" for i in keep],
        "speed_kmh": [speed[i] for i in keep],
        **{c: [vals[i] for i in keep] for c, vals in cols.items()},
    }
    frame = gpd.GeoDataFrame(data, geometry=out_geoms, crs=network.crs)
    # 4. duplicates
    dup = rng.random(len(frame)) < duplicate_share
    counts["duplicates"] = int(dup.sum())
    frame = pd.concat([frame, frame[dup]], ignore_index=True)
    frame["line_id"] = np.arange(len(frame))
    frame.attrs["modelled"] = f"modelled: damaged street lines (urbangeo.accessibility.damage_street_lines, seed={seed})"
    frame.attrs["damage"] = counts
    return frame


def _same(a: Any, b: Any) -> bool:
    return (pd.isna(a) and pd.isna(b)) if not isinstance(a, (list, tuple)) and pd.isna(a) else a == b


def _most_opposite(a: int, others: list[int], geoms: list, u: np.ndarray, node: int) -> int:
    """Of ``others``, the edge leaving ``node`` most nearly opposite to edge ``a``."""

    def heading(i: int) -> np.ndarray:
        c = shapely.get_coordinates(geoms[i])
        c = c if u[i] == node else c[::-1]
        d = c[1] - c[0]
        return d / (np.hypot(*d) or 1.0)

    ha = heading(a)
    return min(others, key=lambda i: float(np.dot(ha, heading(i))))
