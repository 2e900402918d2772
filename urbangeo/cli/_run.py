"""The one body of every command: read the inputs, run one library function, write the result.

A command names its inputs (:class:`Vector`, :class:`RasterFile`, :class:`StreetNetwork`,
...) among the arguments of the library call and hands the call to :func:`run`, which reads
them (the street network last, as it takes longest), runs the function with a timing line
on stderr and writes the result with :func:`write_output`. Warnings are printed once each
on stderr by the root group for the whole command (:func:`._base.warnings_to_stderr`); the
global options (``--snap-warn-m``, ``--snap-component``, ``--progress``) are settings the
root group sets for the command's duration.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import click

from ._base import echo

_OSM_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz")


def split_layer(spec: str) -> tuple[str, str | None]:
    """``path#layer`` -> (path, layer); a path that exists as given keeps its '#'."""
    if "#" in spec and not Path(spec).exists():
        path, layer = spec.rsplit("#", 1)
        return path, (layer or None)
    return spec, None


def read_input(spec: str, *, what: str = "input") -> Any:
    """Read ``path[#layer]`` (or a PostGIS URL with ``#schema.table``) into a GeoDataFrame."""
    from ..io import read

    path, layer = split_layer(spec)
    t0 = time.perf_counter()
    gdf = read(path, layer=layer)
    echo(f"read {len(gdf):,} rows from {spec} ({what}) in {time.perf_counter() - t0:.1f} s")
    return gdf


def write_output(result: Any, spec: str, *, layer: str) -> str:
    """Write a GeoDataFrame, DataFrame (CSV) or Raster (GeoTIFF); return what was written."""
    import geopandas as gpd
    import pandas as pd

    path, given_layer = split_layer(spec)
    layer = given_layer or layer
    if isinstance(result, gpd.GeoDataFrame):
        from ..io import write

        where = write(result, path, layer=layer)
        msg = f"wrote {len(result):,} rows to {where} (layer {layer})"
    elif isinstance(result, pd.DataFrame):
        target = Path(path)
        if target.suffix.lower() != ".csv":
            raise click.BadParameter(f"{spec!r}: this command writes a table; give a .csv file.", param_hint="OUTPUT")
        target.parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(target, encoding="utf-8")
        msg = f"wrote a {result.shape[0]} x {result.shape[1]} table to {target}"
    elif hasattr(result, "to_geotiff"):
        target = Path(path)
        if target.suffix.lower() not in (".tif", ".tiff"):
            raise click.BadParameter(f"{spec!r}: this command writes a raster; give a .tif file.", param_hint="OUTPUT")
        target.parent.mkdir(parents=True, exist_ok=True)
        where = result.to_geotiff(target)
        msg = f"wrote a {result.shape[0]} x {result.shape[1]} raster to {where}"
    else:  # pragma: no cover - every command returns one of the above
        raise TypeError(f"cannot write a {type(result).__name__}")
    echo(msg)
    return msg


def timed(what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)``, with ``<what> in 1.2 s`` on stderr."""
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    echo(f"{what} in {time.perf_counter() - t0:.1f} s")
    return result


# --------------------------------------------------------------------------- inputs


class Input(abc.ABC):
    """An input of a command that :func:`run` reads before the call (a spec of None reads as None)."""

    #: read after every other input (the street network: the slowest, and its errors come last)
    last: ClassVar[bool] = False

    @abc.abstractmethod
    def load(self) -> Any:
        """Read the input."""


@dataclass(frozen=True)
class Vector(Input):
    """A vector layer, ``path[#layer]`` or a PostGIS URL; ``prepare`` edits the frame once read."""

    spec: str | None
    what: str = "input"
    prepare: Callable[[Any], Any] | None = None

    def load(self) -> Any:
        if self.spec is None:
            return None
        gdf = read_input(self.spec, what=self.what)
        return gdf if self.prepare is None else self.prepare(gdf)


def read_raster_file(spec: str, what: str) -> Any:
    """A GeoTIFF as a :class:`~urbangeo.raster.Raster` (a missing file names ``what``)."""
    from ..io import read_raster

    if not Path(spec).exists():
        raise FileNotFoundError(f"no such file {spec!r} ({what}); check the path.")
    return read_raster(spec)


@dataclass(frozen=True)
class RasterFile(Input):
    """A GeoTIFF, read as a :class:`~urbangeo.raster.Raster`."""

    spec: str | None
    what: str

    def load(self) -> Any:
        return None if self.spec is None else read_raster_file(self.spec, self.what)


def _check_osm(osm: str) -> None:
    if not osm.lower().endswith((*_OSM_SUFFIXES, ".npz")):
        raise click.BadParameter(
            f"{osm!r} is not an OpenStreetMap file; give a .osm.pbf, .osm, .osm.bz2 or .osm.gz extract "
            f"(or a network saved with `urbangeo accessibility network --save net.npz`).",
            param_hint="OSM",
        )


@dataclass(frozen=True)
class StreetNetwork(Input):
    """The street network of an OSM extract, or one saved as .npz (then ``mode`` is the saved one)."""

    last: ClassVar[bool] = True
    osm: str | None
    mode: str = "walk"
    speed_kmh: float | None = None

    def load(self) -> Any:
        if self.osm is None:
            return None
        from ..accessibility import Network, network_from_osm

        _check_osm(self.osm)
        if self.osm.lower().endswith(".npz"):
            net = timed(f"loaded the network {self.osm}", Network.load, self.osm)
        else:
            net = timed(
                f"built the {self.mode} network from {self.osm}", network_from_osm, self.osm, mode=self.mode,
                speed_kmh=self.speed_kmh, progress=None,
            )
        echo(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges, CRS {net.crs.name}")
        return net


def _load(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Read every :class:`Input` among the arguments: in their order, those marked ``last`` last."""
    values: dict[int | str, Any] = dict(enumerate(args))
    values.update(kwargs)
    for last in (False, True):
        for key, value in values.items():
            if isinstance(value, Input) and value.last is last:
                values[key] = value.load()
    return [values[i] for i in range(len(args))], {k: values[k] for k in kwargs}


# --------------------------------------------------------------------------- the helper


def run(
    what: str,
    func: Callable[..., Any],
    *args: Any,
    output: str,
    layer: str,
    note: Callable[[Any], str] | None = None,
    **kwargs: Any,
) -> Any:
    """Read the inputs among ``args``/``kwargs``, run ``func`` on them, write the result.

    Parameters
    ----------
    what : str
        The call in words, for the timing line on stderr (``"isochrones in 0.4 s"``).
    func : callable
        The library function.
    *args, **kwargs
        Its arguments; :class:`Input` values are read first (see :func:`_load`).
    output : str
        ``-o/--output``: ``PATH[#LAYER]`` or a PostGIS URL.
    layer : str
        The layer name when ``output`` names none.
    note : callable, optional
        ``note(result)`` is a line for stderr before the result is written.

    Returns
    -------
    object
        What ``func`` returned (already written).
    """
    values, options = _load(args, kwargs)
    result = timed(what, func, *values, **options)
    if note is not None:
        echo(note(result))
    write_output(result, output, layer=layer)
    return result
