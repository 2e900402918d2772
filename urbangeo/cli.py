"""The ``urbangeo`` command: every workflow from a shell, files in and files out.

Each subcommand is thin: it reads its inputs with :func:`urbangeo.read`, calls one public
function of the library with the options given, and writes the result with
:func:`urbangeo.write` (a GeoPackage unless the output's extension says otherwise; a
``postgresql://`` URL writes to PostGIS). Tables go to CSV, rasters to GeoTIFF.

Naming a layer: ``city.gpkg#parcels`` reads (or writes) layer ``parcels``;
``postgresql://user@host/db#public.parcels`` a PostGIS table. Errors are printed as one
line with the fix (``--debug`` shows the traceback); warnings as one line each,
``warning: ...``, also with ``--quiet``; progress bars go to stderr (``--progress``, on
by default in a terminal). The advice in errors and warnings names the command's flags
(``--on-invalid fix``, ``--red-line``), not the Python keywords of the library call.

Run ``urbangeo --help`` and ``urbangeo COMMAND --help`` for the commands and examples.
Needs click: ``pip install 'urbangeo[cli]'``.
"""

from __future__ import annotations

import ast
import contextlib
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

try:
    import click
except ImportError as exc:  # pragma: no cover - click is in the cli extra
    raise ImportError("the urbangeo command needs click: pip install 'urbangeo[cli]'") from exc

from . import __version__
from .errors import UrbangeoError, UrbangeoWarning

__all__ = ["cli", "main"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_OSM_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz")


# --------------------------------------------------------------------------- plumbing


class _Group(click.Group):
    """Groups list commands in the order they were added and turn library errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not isinstance(cmd, click.Group):
            ctx.meta[_COMMAND] = cmd  # meta is shared by every context of the call
        return name, cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:
            if _debug(ctx) or not _user_facing(exc):
                raise
            name = type(exc).__name__
            msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise click.ClickException(f"{name}: {_cli_advice(str(msg), ctx.meta.get(_COMMAND))}") from exc


_COMMAND = "urbangeo.command"
#: root options that set urbangeo.settings for every command (advice names them as flags)
_SETTING_OPTIONS = ("snap_warn_m", "snap_component")

#: ``keyword=value`` in library advice: a value is a literal dict/tuple/list/string or a bare token.
_KEYWORD_VALUE = re.compile(
    r"(?<![\w.\[])([A-Za-z_]\w*)=(\{[^{}]*\}|\([^()]*\)|\[[^\[\]]*\]|'[^']*'|\"[^\"]*\"|[^\s,;)\]}]*[^\s,;)\]}.])"
)
_BACKTICKED = re.compile(r"`([A-Za-z_]\w*)`")


def _command_names(command: click.Command | None) -> tuple[dict[str, str], dict[str, str]]:
    """Python keyword -> flag (``max_snap_m`` -> ``--max-snap-m``), argument name -> ``METAVAR``."""
    flags: dict[str, str] = {}
    args: dict[str, str] = {}
    root = globals().get("cli")  # the settings every command takes (--snap-warn-m, ...)
    params = list(getattr(command, "params", [])) + [p for p in getattr(root, "params", []) if p.name in _SETTING_OPTIONS]
    for param in params:
        if isinstance(param, click.Option):
            long = [o for o in param.opts if o.startswith("--")] or list(param.opts)
            flag = max(long, key=len)
            flags[flag.lstrip("-").replace("-", "_")] = flag
            if param.name:
                flags.setdefault(param.name, flag)
        elif isinstance(param, click.Argument) and param.name:
            args[param.name] = param.metavar or param.name.upper()
    return flags, args


def _flag_value(value: str) -> str | None:
    """A Python literal as the command line takes it: ``'fix'`` -> fix, ``(5, 10)`` -> 5,10,
    ``{'clinic': 15}`` -> clinic=15; None when it is code, not a literal."""
    try:
        v = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None if any(ch in value for ch in "()[]{}'\"") else value

    def one(x: Any) -> str:
        return f"{x:g}" if isinstance(x, float) else str(x)

    if isinstance(v, dict):
        return ",".join(f"{one(k)}={one(x)}" for k, x in v.items())
    if isinstance(v, (tuple, list)):
        return ",".join(one(x) for x in v)
    if isinstance(v, bool) or v is None:
        return None
    return one(v)


def _cli_advice(message: str, command: click.Command | None) -> str:
    """Library advice in the words of the command line, on one line.

    ``pass on_invalid='fix'`` becomes ``pass --on-invalid fix``, ```red_line``` becomes
    ```--red-line``` and ```after``` the argument ```AFTER``` -- only for the options and
    arguments the command has; other Python advice is left as it is.
    """
    message = " ".join(str(message).split())
    flags, args = _command_names(command)
    if not flags and not args:
        return message

    def keyword(m: re.Match) -> str:
        flag = flags.get(m.group(1))
        value = _flag_value(m.group(2)) if flag else None
        return m.group(0) if value is None else f"{flag} {value}"

    def name(m: re.Match) -> str:
        word = m.group(1)
        return f"`{flags[word]}`" if word in flags else f"`{args[word]}`" if word in args else m.group(0)

    return _BACKTICKED.sub(name, _KEYWORD_VALUE.sub(keyword, message))


@contextlib.contextmanager
def _warnings_to_stderr(ctx: click.Context) -> Iterator[None]:
    """Print every warning of the command once, as one line ``warning: ...`` on stderr."""
    seen: set[str] = set()

    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        text = _cli_advice(str(message), ctx.meta.get(_COMMAND))
        if not issubclass(category, UrbangeoWarning):
            text = f"{category.__name__}: {text}"
        if text not in seen:
            seen.add(text)
            click.echo(f"warning: {text}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)  # a repeated warning of another row is still news
        warnings.showwarning = show
        yield


#: Errors about the user's input, files or database, printed as one line (--debug: traceback).
_USER_ERRORS = (UrbangeoError, OSError, KeyError, ValueError, TypeError, ImportError)
_USER_ERROR_MODULES = ("sqlalchemy", "psycopg", "pyogrio", "rasterio", "pyproj")


def _user_facing(exc: BaseException) -> bool:
    return isinstance(exc, _USER_ERRORS) or type(exc).__module__.split(".")[0] in _USER_ERROR_MODULES


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug"))


def _echo(msg: str) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is None or not ctx.find_root().params.get("quiet"):
        click.echo(msg, err=True)


def _split_layer(spec: str) -> tuple[str, str | None]:
    """``path#layer`` -> (path, layer); a path that exists as given keeps its '#'."""
    if "#" in spec and not Path(spec).exists():
        path, layer = spec.rsplit("#", 1)
        return path, (layer or None)
    return spec, None


def read_input(spec: str, *, what: str = "input") -> Any:
    """Read ``path[#layer]`` (or a PostGIS URL with ``#schema.table``) into a GeoDataFrame."""
    from .io import read

    path, layer = _split_layer(spec)
    t0 = time.perf_counter()
    gdf = read(path, layer=layer)
    _echo(f"read {len(gdf):,} rows from {spec} ({what}) in {time.perf_counter() - t0:.1f} s")
    return gdf


def write_output(result: Any, spec: str, *, layer: str) -> str:
    """Write a GeoDataFrame, DataFrame (CSV) or Raster (GeoTIFF); return what was written."""
    import geopandas as gpd
    import pandas as pd

    path, given = _split_layer(spec)
    layer = given or layer
    if isinstance(result, gpd.GeoDataFrame):
        from .io import write

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
    _echo(msg)
    return msg


def _numbers(value: str | None, name: str) -> tuple[float, ...] | None:
    """'5,10,15' -> (5.0, 10.0, 15.0)."""
    if value is None:
        return None
    try:
        return tuple(float(v) for v in str(value).replace(" ", "").split(",") if v)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give numbers separated by commas, e.g. 5,10,15", param_hint=name) from None


def _one_or_many(values: tuple[float, ...] | None) -> float | tuple[float, ...] | None:
    if values is None:
        return None
    return values[0] if len(values) == 1 else values


def _params(pairs: Sequence[str]) -> dict[str, Any]:
    """('q=0.8', 'tan_beta=2') -> {'q': 0.8, 'tan_beta': 2.0}; non-numbers stay text."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: use KEY=VALUE, e.g. q=0.8", param_hint="--param")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out


def _run(what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    _echo(f"{what} in {time.perf_counter() - t0:.1f} s")
    return result


def _check_osm(osm: str) -> None:
    if not osm.lower().endswith((*_OSM_SUFFIXES, ".npz")):
        raise click.BadParameter(
            f"{osm!r} is not an OpenStreetMap file; give a .osm.pbf, .osm, .osm.bz2 or .osm.gz extract "
            f"(or a network saved with `urbangeo accessibility network --save net.npz`).",
            param_hint="OSM",
        )


def _network(osm: str, mode: str, speed_kmh: float | None) -> Any:
    """Build the network of an OSM extract, or load one saved as .npz (then ``mode`` is the saved one)."""
    from .accessibility import Network, network_from_osm

    _check_osm(osm)
    if osm.lower().endswith(".npz"):
        net = _run(f"loaded the network {osm}", Network.load, osm)
    else:
        net = _run(
            f"built the {mode} network from {osm}", network_from_osm, osm, mode=mode, speed_kmh=speed_kmh,
            progress=None,
        )
    _echo(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges, CRS {net.crs.name}")
    return net


def _examples(*lines: str) -> str:
    """An epilog of examples that click prints as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


# common options
def _output(default_hint: str) -> Callable:
    return click.option(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help=f"Where to write ({default_hint}); PATH#LAYER names the layer, postgresql://... writes to PostGIS.",
    )


_mode_opt = click.option(
    "--mode", type=click.Choice(["walk", "bike", "drive"]), default="walk", show_default=True, help="Network type."
)
_speed_opt = click.option("--speed-kmh", type=float, default=None, help="Travel speed (default: the settings' speed).")
_snap_opt = click.option(
    "--max-snap-m", type=float, default=None, help="Points farther than this from a street get no value (NaN)."
)
_minutes_opt = click.option("--minutes", default=None, metavar="N[,N...]", help="Time thresholds in minutes, e.g. 5,10,15.")
_dist_opt = click.option("--dist-m", default=None, metavar="N[,N...]", help="Distance thresholds in metres instead.")


def _on_invalid_opt(default: str) -> Callable:
    return click.option(
        "--on-invalid",
        type=click.Choice(["raise", "fix", "drop", "warn"]),
        default=default,
        show_default=True,
        help="Invalid polygons: stop, repair with make_valid, leave out, or keep (each reported).",
    )


# --------------------------------------------------------------------------- root


@click.group(
    cls=_Group,
    context_settings=CONTEXT,
    epilog=_examples(
        "urbangeo layers city.gpkg",
        "urbangeo convert parcels.shp postgresql://me@localhost/gis#public.parcels",
        "urbangeo accessibility isochrones city.osm.pbf schools.gpkg --minutes 5,10,15 -o iso.gpkg",
        "urbangeo subsidence predict panels.gpkg --resolution-m 10 -o subsidence.tif",
        "urbangeo landuse change dltb_2018.gpkg dltb_2023.gpkg --class-col DLBM -o change.csv",
    ),
)
@click.version_option(__version__, "-V", "--version", prog_name="urbangeo")
@click.option("--snap-warn-m", type=float, default=None,
              help="Note and warn about points snapped with an access leg longer than this (default 100 m).")
@click.option("--snap-component", type=click.Choice(["largest", "any"]), default=None,
              help="Snap points to the largest street network piece (default) or to any piece.")
@click.option("--progress/--no-progress", default=None, help="Progress bars on stderr (default: on in a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, progress: bool | None, quiet: bool, debug: bool, snap_warn_m: float | None,
        snap_component: str | None) -> None:
    """Geospatial analysis for cities in transformation.

    Land-use conversion, subsidence-to-park restoration and walking accessibility over
    OpenStreetMap. Inputs are any vector file GDAL reads (GeoPackage, Shapefile,
    GeoJSON, ...) or PostGIS tables; results are written as GeoPackage layers by default.
    """
    from .settings import settings

    if progress is None:
        progress = sys.stderr.isatty() and not quiet
    chosen = {k: v for k, v in {"snap_warn_m": snap_warn_m, "snap_component": snap_component}.items() if v is not None}
    ctx.with_resource(settings.override(progress=bool(progress), **chosen))
    ctx.with_resource(_warnings_to_stderr(ctx))


@cli.command(epilog=_examples("urbangeo layers city.gpkg", "urbangeo layers postgresql://me@localhost/gis"))
@click.argument("source")
def layers(source: str) -> None:
    """List the layers of a file (or the tables of a PostGIS database)."""
    from .io import _is_postgis, list_layers

    if _is_postgis(source):
        from ._postgis import list_postgis_layers

        table = list_postgis_layers(source)
    else:
        if not Path(source).exists():
            raise FileNotFoundError(f"no such file {source!r}; check the path.")
        table = list_layers(source)
    click.echo(table.to_string(index=False) if len(table) else "(no layers)")


@cli.command(epilog=_examples("urbangeo info parcels.gpkg#parcels"))
@click.argument("source")
def info(source: str) -> None:
    """Rows, CRS, geometry types, bounds and columns of a layer."""
    gdf = read_input(source)
    crs = gdf.crs
    click.echo(f"rows:      {len(gdf):,}")
    click.echo(f"crs:       {crs.to_string() if crs is not None else 'none'}{' (' + crs.name + ')' if crs else ''}")
    types = gdf.geometry.geom_type.value_counts(dropna=False)
    click.echo("geometry:  " + ", ".join(f"{k} {v:,}" for k, v in types.items()))
    if len(gdf):
        click.echo("bounds:    " + ", ".join(f"{v:.6g}" for v in gdf.total_bounds))
    click.echo("columns:")
    for col, dtype in gdf.dtypes.items():
        if col != gdf.geometry.name:
            click.echo(f"  {col}: {dtype}")


@cli.command(
    epilog=_examples(
        "urbangeo convert parcels.shp parcels.gpkg#parcels",
        "urbangeo convert pois_gcj.geojson pois.gpkg --from-datum gcj02",
        "urbangeo convert parcels.gpkg postgresql://me@localhost/gis#land.parcels",
        "urbangeo convert postgresql://me@localhost/gis#land.parcels parcels_4547.gpkg --to-crs EPSG:4547",
    )
)
@click.argument("source")
@click.argument("target")
@click.option("--to-crs", default=None, metavar="CRS", help="Reproject, e.g. EPSG:4547.")
@click.option(
    "--from-datum",
    type=click.Choice(["gcj02", "bd09"]),
    default=None,
    help="Coordinates are Chinese GCJ-02 (AMap, Tencent) or BD-09 (Baidu): convert them to WGS-84 first.",
)
@click.option("--append", is_flag=True, help="Append to the target layer instead of replacing it.")
def convert(source: str, target: str, to_crs: str | None, from_datum: str | None, append: bool) -> None:
    """Copy a layer between formats and databases without losing dtypes, CRS or text.

    TARGET's extension picks the format (.gpkg by default); a postgresql:// URL writes
    a PostGIS table.
    """
    from . import crs as ucrs
    from .io import write

    gdf = read_input(source)
    if from_datum == "gcj02":
        gdf = ucrs.gcj02_to_wgs84(gdf)
    elif from_datum == "bd09":
        gdf = ucrs.bd09_to_wgs84(gdf)
    if to_crs:
        gdf = gdf.to_crs(to_crs)
    path, layer = _split_layer(target)
    if layer is None:
        layer = _split_layer(source)[1] or Path(_split_layer(source)[0]).stem.split(".")[0]
    where = write(gdf, path, layer=layer, mode="a" if append else "w")
    _echo(f"wrote {len(gdf):,} rows to {where} (layer {layer})")


# --------------------------------------------------------------------------- accessibility


@cli.group(cls=_Group, context_settings=CONTEXT)
def accessibility() -> None:
    """Walking (cycling, driving) accessibility over OpenStreetMap street networks.

    Every command builds the street network from an OpenStreetMap extract (OSM: a
    .osm.pbf, .osm or .osm.bz2 file; about a second for a city district) in a metric
    CRS, or loads one saved with `network --save net.npz`, snaps points to the nearest
    street edge, and writes results in the CRS of the input points.
    """


@accessibility.command(
    "network",
    epilog=_examples(
        "urbangeo accessibility network helsinki.osm.pbf -o network.gpkg",
        "urbangeo accessibility network andorra.osm.pbf --mode drive --bbox 1.50,42.49,1.56,42.52 -o drive.gpkg",
        "urbangeo accessibility network city.osm.pbf -o network.gpkg --save walk.npz   # then: nearest walk.npz ...",
    ),
)
@click.argument("osm")
@_output("GeoPackage with layers edges and nodes")
@_mode_opt
@_speed_opt
@click.option("--bbox", default=None, metavar="W,S,E,N", help="Keep only this lon/lat box.")
@click.option("--no-simplify", is_flag=True, help="Keep every OSM node (no merging of degree-2 chains).")
@click.option("--largest-component", is_flag=True, help="Keep only the largest connected component.")
@click.option("--save", "save", default=None, metavar="NET.npz", help="Also save the network for the other commands.")
def acc_network(
    osm: str,
    output: str,
    mode: str,
    speed_kmh: float | None,
    bbox: str | None,
    no_simplify: bool,
    largest_component: bool,
    save: str | None,
) -> None:
    """Build the street network of an OSM file and write its edges and nodes.

    With --save the network is also written to one .npz file that every other
    accessibility command takes in place of the OSM file (no rebuilding).
    """
    from .accessibility import network_from_osm

    box = _numbers(bbox, "--bbox")
    if box is not None and len(box) != 4:
        raise click.BadParameter("give four numbers: west,south,east,north", param_hint="--bbox")
    net = _run(
        f"built the {mode} network",
        network_from_osm,
        osm,
        mode=mode,
        speed_kmh=speed_kmh,
        bbox=box,
        simplify=not no_simplify,
        retain_all=not largest_component,
        progress=None,
    )
    path, _ = _split_layer(output)
    write_output(net.edges, path + "#edges", layer="edges")
    write_output(net.nodes, path + "#nodes", layer="nodes")
    if save:
        _echo(f"saved the network to {net.save(save)}")


@accessibility.command(
    "nearest",
    epilog=_examples(
        "urbangeo accessibility nearest city.osm.pbf buildings.gpkg clinics.gpkg -o nearest.gpkg",
        "urbangeo accessibility nearest city.osm.pbf homes.gpkg services.gpkg --k 3 --by kind --minutes 30 -o near.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@click.argument("facilities")
@_output("GeoPackage: the origins with minutes, dist_m and facility ids")
@click.option("--k", type=int, default=1, show_default=True, help="How many nearest facilities.")
@click.option("--by", default=None, help="Facility column: the nearest of each kind.")
@click.option("--minutes", type=float, default=None, help="Search no farther (beyond: NaN).")
@_mode_opt
@_speed_opt
@_snap_opt
def acc_nearest(
    osm: str,
    origins: str,
    facilities: str,
    output: str,
    k: int,
    by: str | None,
    minutes: float | None,
    mode: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Travel time and distance from every origin to its nearest facilities."""
    from .accessibility import nearest_facilities

    origins_gdf = read_input(origins, what="origins")
    facilities_gdf = read_input(facilities, what="facilities")
    result = _run(
        "nearest facilities",
        nearest_facilities,
        _network(osm, mode, speed_kmh),
        origins_gdf,
        facilities_gdf,
        k=k,
        by=by,
        minutes=minutes,
        speed_kmh=speed_kmh,
        max_snap_m=max_snap_m,
    )
    write_output(result, output, layer="nearest")


@accessibility.command(
    "count",
    epilog=_examples(
        "urbangeo accessibility count city.osm.pbf homes.gpkg shops.gpkg --minutes 5,10,15 -o counts.gpkg",
        "urbangeo accessibility count city.osm.pbf homes.gpkg jobs.gpkg --dist-m 1200 --weight-col jobs -o jobs.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@click.argument("facilities")
@_output("GeoPackage: the origins with one count column per threshold")
@_minutes_opt
@_dist_opt
@click.option("--weight-col", default=None, help="Sum this facility column instead of counting.")
@click.option("--by", default=None, help="Facility column: counts per kind.")
@_mode_opt
@_speed_opt
@_snap_opt
def acc_count(
    osm: str,
    origins: str,
    facilities: str,
    output: str,
    minutes: str | None,
    dist_m: str | None,
    weight_col: str | None,
    by: str | None,
    mode: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Facilities (or a sum of their weights) within each travel time or distance."""
    from .accessibility import cumulative_opportunities

    thresholds = {
        "minutes": _one_or_many(_numbers(minutes, "--minutes")),
        "dist_m": _one_or_many(_numbers(dist_m, "--dist-m")),
    }
    origins_gdf = read_input(origins, what="origins")
    facilities_gdf = read_input(facilities, what="facilities")
    result = _run(
        "cumulative opportunities",
        cumulative_opportunities,
        _network(osm, mode, speed_kmh),
        origins_gdf,
        facilities_gdf,
        **thresholds,
        weight_col=weight_col,
        by=by,
        speed_kmh=speed_kmh,
        max_snap_m=max_snap_m,
    )
    write_output(result, output, layer="count")


@accessibility.command(
    "isochrones",
    epilog=_examples(
        "urbangeo accessibility isochrones city.osm.pbf schools.gpkg --minutes 5,10,15 -o iso.gpkg",
        "urbangeo accessibility isochrones city.osm.pbf parks.gpkg --dist-m 300,500,1000 -o park_areas.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@_output("GeoPackage: one polygon per origin and band")
@_minutes_opt
@_dist_opt
@click.option("--street-width-m", type=float, default=None, help="Buffer around reached streets.")
@_mode_opt
@_speed_opt
@_snap_opt
def acc_isochrones(
    osm: str,
    origins: str,
    output: str,
    minutes: str | None,
    dist_m: str | None,
    street_width_m: float | None,
    mode: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Areas reachable from each origin within each time (or distance) band."""
    from .accessibility import isochrones

    thresholds = {
        "minutes": _one_or_many(_numbers(minutes, "--minutes")),
        "dist_m": _one_or_many(_numbers(dist_m, "--dist-m")),
    }
    origins_gdf = read_input(origins, what="origins")
    result = _run(
        "isochrones",
        isochrones,
        _network(osm, mode, speed_kmh),
        origins_gdf,
        **thresholds,
        speed_kmh=speed_kmh,
        street_width_m=street_width_m,
        max_snap_m=max_snap_m,
    )
    write_output(result, output, layer="isochrones")


@accessibility.command(
    "lifecircle",
    epilog=_examples(
        "urbangeo accessibility lifecircle city.osm.pbf homes.gpkg services.gpkg --by category -o audit.gpkg",
        "urbangeo accessibility lifecircle city.osm.pbf homes.gpkg services.gpkg --by kind "
        "--required kindergarten=5,clinic=15,park=10 -o audit.gpkg",
    ),
)
@click.argument("osm")
@click.argument("residences")
@click.argument("facilities")
@_output("GeoPackage: the homes with minutes, circle and ok per category, and compliant")
@click.option("--by", default="category", show_default=True, help="Facility column naming the category.")
@click.option(
    "--standard",
    default="GB50180-2018",
    show_default=True,
    help="Life-circle preset (5/10/15-minute circles and their facilities); 'none' with --required.",
)
@click.option(
    "--required",
    default=None,
    metavar="CAT=MIN[,...]",
    help="Required categories and their circle in minutes, e.g. kindergarten=5,clinic=15.",
)
@click.option("--measure", type=click.Choice(["minutes", "dist_m"]), default="minutes", show_default=True)
@_speed_opt
@_snap_opt
def acc_lifecircle(
    osm: str,
    residences: str,
    facilities: str,
    output: str,
    by: str,
    standard: str,
    required: str | None,
    measure: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Life-circle audit: which homes reach each required service within its circle."""
    from .accessibility import life_circle_audit

    req = None
    if required:
        req = {k: float(v) for k, v in _params(required.split(",")).items()}
    homes = read_input(residences, what="residences")
    services = read_input(facilities, what="facilities")
    result = _run(
        "life-circle audit",
        life_circle_audit,
        _network(osm, "walk", speed_kmh),
        homes,
        services,
        by=by,
        standard=None if standard.lower() == "none" else standard,
        required=req,
        measure=measure,
        speed_kmh=speed_kmh,
        max_snap_m=max_snap_m,
    )
    write_output(result, output, layer="life_circle")


@accessibility.command(
    "fca",
    epilog=_examples(
        "urbangeo accessibility fca city.osm.pbf blocks.gpkg clinics.gpkg --population-col pop "
        "--capacity-col doctors --minutes 15 -o access.gpkg",
        "urbangeo accessibility fca city.osm.pbf blocks.gpkg clinics.gpkg --method e2sfca --population-col pop "
        "--capacity-col doctors -o access.gpkg",
    ),
)
@click.argument("osm")
@click.argument("demand")
@click.argument("supply")
@_output("GeoPackage: the demand points with their access score")
@click.option("--population-col", required=True, help="Demand column with the population.")
@click.option("--capacity-col", required=True, help="Supply column with the capacity (doctors, beds, places).")
@click.option(
    "--method",
    type=click.Choice(["2sfca", "e2sfca", "g2sfca", "3sfca"]),
    default="2sfca",
    show_default=True,
    help="2SFCA (Luo & Wang 2003), enhanced (Luo & Qi 2009), gravity (Dai 2010), 3SFCA (Wan et al. 2012).",
)
@click.option("--minutes", type=float, default=None, help="Catchment in minutes (2sfca; others: the horizon).")
@click.option("--dist-m", type=float, default=None, help="Catchment in metres instead.")
@_mode_opt
@_speed_opt
@_snap_opt
def acc_fca(
    osm: str,
    demand: str,
    supply: str,
    output: str,
    population_col: str,
    capacity_col: str,
    method: str,
    minutes: float | None,
    dist_m: float | None,
    mode: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Supply-to-demand access with the floating catchment area family."""
    from . import accessibility as acc

    func = {
        "2sfca": acc.two_step_fca,
        "e2sfca": acc.enhanced_two_step_fca,
        "g2sfca": acc.gravity_two_step_fca,
        "3sfca": acc.three_step_fca,
    }[method]
    kwargs: dict[str, Any] = {"population_col": population_col, "capacity_col": capacity_col}
    if minutes is not None:
        kwargs["minutes"] = minutes
    if dist_m is not None:
        kwargs["dist_m"] = dist_m
    demand_gdf = read_input(demand, what="demand")
    supply_gdf = read_input(supply, what="supply")
    result = _run(
        method,
        func,
        _network(osm, mode, speed_kmh),
        demand_gdf,
        supply_gdf,
        speed_kmh=speed_kmh,
        max_snap_m=max_snap_m,
        **kwargs,
    )
    write_output(result, output, layer=method)


@accessibility.command(
    "site",
    epilog=_examples(
        "urbangeo accessibility site homes.gpkg --network city.osm.pbf --model mclp -p 3 "
        "--minutes 10 --population-col pop -o sites.gpkg",
        "urbangeo accessibility site homes.gpkg candidates.gpkg --network city.osm.pbf --model lscp "
        "--minutes 15 --existing clinics.gpkg -o sites.gpkg",
    ),
)
@click.argument("demand")
@click.argument("candidates", required=False)
@click.option("--network", "osm", required=True, metavar="OSM", help="OpenStreetMap file for travel times.")
@_output("GeoPackage: the chosen sites")
@click.option(
    "--model",
    type=click.Choice(["lscp", "mclp", "p_median"]),
    default="mclp",
    show_default=True,
    help="Cover everyone (lscp), cover the most with p sites (mclp), least total time (p_median).",
)
@click.option("-p", "p", type=int, default=None, help="Number of new sites (mclp, p_median).")
@click.option("--minutes", type=float, default=None, help="Coverage time.")
@click.option("--population-col", default=None, help="Demand column to weigh by (e.g. population).")
@click.option("--existing", default=None, metavar="PATH", help="Existing facilities, kept and counted.")
@click.option("--solver", type=click.Choice(["exact", "greedy"]), default="exact", show_default=True)
@click.option("--time-limit-s", type=float, default=None, help="Stop the exact solver after this long.")
@_mode_opt
@_speed_opt
@_snap_opt
def acc_site(
    demand: str,
    candidates: str | None,
    osm: str,
    output: str,
    model: str,
    p: int | None,
    minutes: float | None,
    population_col: str | None,
    existing: str | None,
    solver: str,
    time_limit_s: float | None,
    mode: str,
    speed_kmh: float | None,
    max_snap_m: float | None,
) -> None:
    """Choose new facility sites (LSCP, MCLP, p-median) over the street network.

    Without CANDIDATES the network's intersections are the candidate sites.
    """
    from .accessibility import site_facilities

    demand_gdf = read_input(demand, what="demand")
    candidates_gdf = read_input(candidates, what="candidates") if candidates else None
    existing_gdf = read_input(existing, what="existing") if existing else None
    result = _run(
        f"siting ({model})",
        site_facilities,
        _network(osm, mode, speed_kmh),
        demand_gdf,
        candidates=candidates_gdf,
        model=model,
        p=p,
        minutes=minutes,
        existing=existing_gdf,
        population_col=population_col,
        solver=solver,
        speed_kmh=speed_kmh,
        max_snap_m=max_snap_m,
        time_limit_s=time_limit_s,
    )
    write_output(result, output, layer="sites")


# --------------------------------------------------------------------------- subsidence


@cli.group(cls=_Group, context_settings=CONTEXT)
def subsidence() -> None:
    """Mining subsidence prediction (probability integral method) and restoration zoning."""


@subsidence.command(
    "predict",
    epilog=_examples(
        "urbangeo subsidence predict panels.gpkg --resolution-m 10 -o subsidence.tif",
        "urbangeo subsidence predict panels.gpkg --param q=0.95 --param tan_beta=2.2 -o w.tif",
    ),
)
@click.argument("panels")
@_output("GeoTIFF of final subsidence W in metres")
@click.option("--resolution-m", type=float, default=10.0, show_default=True, help="Cell size.")
@click.option(
    "--param",
    "param",
    multiple=True,
    metavar="KEY=VALUE",
    help="PIM parameter for panels without that column (m, q, H, tan_beta, b, theta0_deg, s...); repeatable.",
)
@click.option("--method", type=click.Choice(["auto", "closed_form", "grid"]), default="auto", show_default=True)
@_on_invalid_opt("fix")
def sub_predict(
    panels: str, output: str, resolution_m: float, param: tuple[str, ...], method: str, on_invalid: str
) -> None:
    """Predict final subsidence of mined panels with the probability integral method."""
    from .subsidence import predict_subsidence

    result = _run(
        "PIM prediction",
        predict_subsidence,
        read_input(panels, what="panels"),
        resolution_m=resolution_m,
        params=_params(param) or None,
        method=method,
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="subsidence")


def _raster(spec: str, what: str) -> Any:
    from .subsidence import read_raster

    if not Path(spec).exists():
        raise FileNotFoundError(f"no such file {spec!r} ({what}); check the path.")
    return read_raster(spec)


def _depth(value: str) -> Any:
    """--groundwater-depth-m: a number of metres or a GeoTIFF of depths."""
    try:
        return float(value)
    except ValueError:
        return _raster(value, "groundwater depth")


@subsidence.command(
    "insar",
    epilog=_examples(
        "urbangeo subsidence insar velocity.tif --convention mintpy --incidence-deg 39 -o subsidence_rate.tif",
        "urbangeo subsidence insar cum.tif --convention licsbas --kind cumulative --coherence coh.tif "
        "--min-coherence 0.7 -o subsidence.tif",
    ),
)
@click.argument("source")
@_output("GeoTIFF of subsidence (positive down) in m or m/yr, in a metric CRS")
@click.option(
    "--convention",
    type=click.Choice(["mintpy", "licsbas", "subsidence_m", "subsidence_mm"]),
    required=True,
    help="Units and sign of SOURCE: MintPy (m, +towards satellite), LiCSBAS (mm, +uplift), or already subsidence.",
)
@click.option("--kind", type=click.Choice(["velocity", "cumulative"]), default="velocity", show_default=True)
@click.option("--incidence-deg", type=float, default=None, help="Line of sight to vertical: divide by cos(incidence).")
@click.option("--coherence", default=None, metavar="TIF", help="Temporal coherence raster on the same grid.")
@click.option("--min-coherence", type=float, default=0.0, show_default=True)
@click.option("--resolution-m", type=float, default=None, help="Cell size when a lon/lat raster is reprojected.")
def sub_insar(
    source: str,
    output: str,
    convention: str,
    kind: str,
    incidence_deg: float | None,
    coherence: str | None,
    min_coherence: float,
    resolution_m: float | None,
) -> None:
    """Turn an InSAR velocity or cumulative displacement GeoTIFF into subsidence."""
    from .subsidence import insar_to_subsidence

    result = _run(
        "InSAR to subsidence",
        insar_to_subsidence,
        _raster(source, "InSAR product"),
        convention=convention,
        kind=kind,
        incidence_deg=incidence_deg,
        coherence=_raster(coherence, "coherence") if coherence else None,
        min_coherence=min_coherence,
        resolution_m=resolution_m,
    )
    write_output(result, output, layer="subsidence")


@subsidence.command(
    "zones",
    epilog=_examples(
        "urbangeo subsidence zones subsidence.tif --groundwater-depth-m 1.5 -o zones.gpkg",
        "urbangeo subsidence zones subsidence.tif --groundwater-depth-m gw_depth.tif --min-area-m2 2000 -o zones.gpkg",
    ),
)
@click.argument("subsidence_tif", metavar="SUBSIDENCE")
@_output("GeoPackage: zones with class, restoration use, areas (m2, ha, mu), water volume")
@click.option(
    "--groundwater-depth-m", required=True, metavar="M|TIF", help="Pre-mining depth to the water table (m or GeoTIFF)."
)
@click.option("--min-area-m2", type=float, default=0.0, show_default=True, help="Drop smaller zones.")
def sub_zones(subsidence_tif: str, output: str, groundwater_depth_m: str, min_area_m2: float) -> None:
    """Restoration zones of a subsidence raster (m, positive down): farmland, wetland, lake."""
    from .subsidence import restoration_zones

    w = _raster(subsidence_tif, "subsidence")
    result = _run(
        "restoration zones",
        restoration_zones,
        w,
        groundwater_depth_m=_depth(groundwater_depth_m),
        min_area_m2=min_area_m2,
    )
    write_output(result, output, layer="zones")


@subsidence.command(
    "areas",
    epilog=_examples(
        "urbangeo subsidence areas subsidence.tif -o areas.gpkg",
        "urbangeo subsidence areas subsidence.tif --classes 0.01,0.5,1.5,3 --min-area-m2 5000 -o areas.gpkg",
    ),
)
@click.argument("subsidence_tif", metavar="SUBSIDENCE")
@_output("GeoPackage: class polygons with zonal statistics")
@click.option("--classes", default=None, metavar="M,M,...", help="Class breaks in metres of subsidence.")
@click.option("--groundwater-depth-m", default=None, metavar="M|TIF", help="Adds water depth and volume.")
@click.option("--min-area-m2", type=float, default=0.0, show_default=True, help="Drop smaller polygons.")
def sub_areas(
    subsidence_tif: str, output: str, classes: str | None, groundwater_depth_m: str | None, min_area_m2: float
) -> None:
    """Polygons of subsidence classes (observed or predicted) with zonal statistics."""
    from .subsidence import subsidence_areas

    kwargs: dict[str, Any] = {"min_area_m2": min_area_m2}
    if classes:
        kwargs["classes"] = _numbers(classes, "--classes")
    if groundwater_depth_m is not None:
        kwargs["groundwater_depth_m"] = _depth(groundwater_depth_m)
    w = _raster(subsidence_tif, "subsidence")
    write_output(_run("subsidence areas", subsidence_areas, w, **kwargs), output, layer="areas")


@subsidence.command(
    "park",
    epilog=_examples(
        "urbangeo subsidence park zones.gpkg -o park.gpkg",
        "urbangeo subsidence park zones.gpkg --buildings homes.gpkg --population-col residents "
        "--network town.osm.pbf --entrance-spacing-m 400 -o park.gpkg",
    ),
)
@click.argument("zones")
@_output("GeoPackage: parks with ratios, class, service radius, people served")
@click.option("--buildings", default=None, metavar="PATH", help="Homes, to count the people served.")
@click.option("--population-col", default=None, help="Residents column of --buildings.")
@click.option("--network", "osm", default=None, metavar="OSM", help="Walking network for the service area.")
@click.option("--min-park-area-m2", type=float, default=4000.0, show_default=True)
@click.option(
    "--entrance-spacing-m",
    type=float,
    default=50.0,
    show_default=True,
    help="Entrance spacing along the park edge with --network (400 for the design spacing of new gates).",
)
@_on_invalid_opt("fix")
def sub_park(
    zones: str, output: str, buildings: str | None, population_col: str | None, osm: str | None,
    min_park_area_m2: float, entrance_spacing_m: float, on_invalid: str,
) -> None:
    """Turn restoration zones into parks with their ratios, class and residents served."""
    from .subsidence import park_plan

    zones_gdf = read_input(zones, what="zones")
    homes = read_input(buildings, what="buildings") if buildings else None
    result = _run(
        "park plan",
        park_plan,
        _network(osm, "walk", None) if osm else None,
        zones_gdf,
        buildings=homes,
        population_col=population_col,
        min_park_area_m2=min_park_area_m2,
        entrance_spacing_m=entrance_spacing_m,
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="parks")


# --------------------------------------------------------------------------- land use


@cli.group(cls=_Group, context_settings=CONTEXT)
def landuse() -> None:
    """Collective-to-state land conversion, contiguous blocks and land-use change."""


@landuse.command(
    "screen",
    epilog=_examples(
        "urbangeo landuse screen dltb.gpkg --development-boundary ubg.gpkg --basic-farmland jbnt.gpkg "
        "--red-line stbhhx.gpkg -o screened.gpkg",
        "urbangeo landuse screen dltb.gpkg --route market_entry --planning plan.gpkg --profile guangdong -o s.gpkg",
    ),
)
@click.argument("parcels")
@_output("GeoPackage: the parcels with eligible, failed_tests, quota and approval level")
@click.option(
    "--route", type=click.Choice(["expropriation", "market_entry"]), default="expropriation", show_default=True
)
@click.option("--development-boundary", default=None, metavar="PATH", help="Urban development boundary polygons.")
@click.option("--basic-farmland", default=None, metavar="PATH", help="Permanent basic farmland polygons.")
@click.option("--red-line", default=None, metavar="PATH", help="Ecological protection red line polygons.")
@click.option("--planning", default=None, metavar="PATH|COLUMN", help="Planned-use polygons, or a parcels column.")
@click.option("--profile", default="national", show_default=True, help="Rule profile (national, guangdong, zhejiang).")
@click.option("--class-col", default="DLBM", show_default=True)
@click.option("--ownership-col", default="QSXZ", show_default=True)
@click.option("--consent-col", default=None, help="Parcels column: share (0-1) of villagers consenting (market entry).")
@_on_invalid_opt("fix")
def lu_screen(
    parcels: str,
    output: str,
    route: str,
    development_boundary: str | None,
    basic_farmland: str | None,
    red_line: str | None,
    planning: str | None,
    profile: str,
    class_col: str,
    ownership_col: str,
    consent_col: str | None,
    on_invalid: str,
) -> None:
    """Screen collective parcels for conversion under a legal route.

    A legal test whose layer is not given is not run; a warning names it and the flag
    that runs it (e.g. --basic-farmland).
    """
    from .landuse import screen_conversion

    layers = {
        name: read_input(path, what=name) if path else None
        for name, path in [
            ("development_boundary", development_boundary),
            ("basic_farmland", basic_farmland),
            ("red_line", red_line),
        ]
    }
    plan: Any = planning
    if planning and (Path(_split_layer(planning)[0]).exists() or "://" in planning):
        plan = read_input(planning, what="planning")
    result = _run(
        f"screening ({route})",
        screen_conversion,
        read_input(parcels, what="parcels"),
        route=route,
        planning=plan,
        profile=profile,
        class_col=class_col,
        ownership_col=ownership_col,
        consent_col=consent_col,
        on_invalid=on_invalid,
        **layers,
    )
    n = int(result["eligible"].sum())
    _echo(f"{n:,} of {len(result):,} parcels eligible")
    write_output(result, output, layer="screened")


@landuse.command(
    "blocks",
    epilog=_examples(
        "urbangeo landuse blocks screened.gpkg --eligible-only --gap-m 5 -o blocks.gpkg",
        "urbangeo landuse blocks parcels.gpkg --by ZLDWDM --min-area-m2 30000 -o blocks.gpkg",
    ),
)
@click.argument("parcels")
@_output("GeoPackage: dissolved blocks with area, shape, ownership mix and the minimum-area flag")
@click.option("--gap-m", type=float, default=0.0, show_default=True, help="Link parcels closer than this.")
@click.option("--min-area-m2", type=float, default=None, help="Flag smaller blocks (default: the profile's).")
@click.option("--by", default=None, help="Only link parcels with the same value of this column.")
@click.option("--eligible-only", is_flag=True, help="Use only rows whose 'eligible' column is true.")
@click.option("--profile", default="national", show_default=True)
@_on_invalid_opt("fix")
def lu_blocks(
    parcels: str, output: str, gap_m: float, min_area_m2: float | None, by: str | None, eligible_only: bool,
    profile: str, on_invalid: str,
) -> None:
    """Assemble touching (or nearly touching) parcels into contiguous development blocks."""
    from .landuse import assemble_blocks

    gdf = read_input(parcels, what="parcels")
    if eligible_only:
        if "eligible" not in gdf.columns:
            raise click.BadParameter("the parcels have no 'eligible' column; run `urbangeo landuse screen` first.",
                                     param_hint="--eligible-only")
        gdf = gdf[gdf["eligible"].fillna(False).astype(bool)]
    result = _run(
        "contiguous blocks", assemble_blocks, gdf, gap_m=gap_m, min_area_m2=min_area_m2, by=by, profile=profile,
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="blocks")


@landuse.command(
    "compensation",
    epilog=_examples(
        "urbangeo landuse compensation screened.gpkg price_zones.gpkg -o compensation.gpkg",
        "urbangeo landuse compensation parcels.gpkg zones.gpkg "
        "--components price_per_mu,resettlement_per_mu,social_security_per_mu -o comp.gpkg",
    ),
)
@click.argument("parcels")
@click.argument("price_zones")
@_output("GeoPackage: the parcels with area in mu and yuan per component")
@click.option("--price-col", default="price_per_mu", show_default=True, help="Zone land price, yuan per mu.")
@click.option("--components", default=None, metavar="COL[,COL...]", help="Rate columns (yuan per mu) to apply.")
@click.option("--area-col", default="TBDLMJ", show_default=True, help="Official net area (m2) when present; '' = geometry.")
@_on_invalid_opt("fix")
def lu_compensation(
    parcels: str, price_zones: str, output: str, price_col: str, components: str | None, area_col: str,
    on_invalid: str,
) -> None:
    """Compensation per parcel from zone-based integrated land prices (area-weighted)."""
    from .landuse import estimate_compensation

    comps = [c.strip() for c in components.split(",") if c.strip()] if components else None
    result = _run(
        "compensation",
        estimate_compensation,
        read_input(parcels, what="parcels"),
        read_input(price_zones, what="price zones"),
        price_col=price_col,
        components=comps,
        area_col=area_col or None,
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="compensation")


@landuse.command(
    "change",
    epilog=_examples(
        "urbangeo landuse change dltb_2018.gpkg dltb_2023.gpkg --class-col DLBM -o change.csv",
        "urbangeo landuse change lc_2010.tif lc_2020.tif -o change.csv",
    ),
)
@click.argument("before")
@click.argument("after")
@_output("CSV: the from x to matrix of areas (m2, or cells)")
@click.option("--class-col", default="DLBM", show_default=True, help="Class column of polygon layers.")
@click.option("--class-col-after", default=None, help="Class column of AFTER when it differs.")
@_on_invalid_opt("raise")
def lu_change(
    before: str, after: str, output: str, class_col: str, class_col_after: str | None, on_invalid: str
) -> None:
    """From -> to matrix of land-use change between two dates (polygons or rasters)."""
    from .landuse import transition_matrix

    result = _run(
        "transition matrix",
        transition_matrix,
        _layer_or_raster(before, "before"),
        _layer_or_raster(after, "after"),
        class_col=class_col,
        class_col_after=class_col_after,
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="change")


@landuse.command(
    "metrics",
    epilog=_examples(
        "urbangeo landuse metrics dltb.gpkg --class-col DLBM -o metrics.csv",
        "urbangeo landuse metrics landcover.tif --level landscape -o landscape.csv",
    ),
)
@click.argument("landscape")
@_output("CSV: one row per class (or one for the landscape)")
@click.option("--class-col", default=None, help="Class column of a polygon layer.")
@click.option("--level", type=click.Choice(["class", "landscape"]), default="class", show_default=True)
@click.option("--neighbours", type=click.Choice(["4", "8"]), default="8", show_default=True)
@_on_invalid_opt("raise")
def lu_metrics(
    landscape: str, output: str, class_col: str | None, level: str, neighbours: str, on_invalid: str
) -> None:
    """FRAGSTATS fragmentation metrics (NP, LPI, ED, LSI, MESH, AI, COHESION, SHDI...)."""
    from .landuse import class_metrics, landscape_metrics

    func = class_metrics if level == "class" else landscape_metrics
    result = _run(
        f"{level} metrics",
        func,
        _layer_or_raster(landscape, "landscape"),
        class_col=class_col,
        neighbours=int(neighbours),
        on_invalid=on_invalid,
    )
    write_output(result, output, layer="metrics")


def _layer_or_raster(spec: str, what: str) -> Any:
    """A .tif is passed as its path (the landuse functions read rasters); anything else is read."""
    if _split_layer(spec)[0].lower().endswith((".tif", ".tiff")):
        if not Path(spec).exists():
            raise FileNotFoundError(f"no such file {spec!r} ({what}); check the path.")
        return spec
    return read_input(spec, what=what)


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 error, 2 usage)."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="urbangeo", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
