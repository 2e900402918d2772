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

Layout: the root group and :func:`main` here; one module per wing (:mod:`.accessibility`,
:mod:`.subsidence`, :mod:`.landuse`) and :mod:`.core` for layers, info and convert; the
one read-run-write helper in ``_run.py``; the shared plumbing (errors, warnings, advice in
flags, common options) in ``_base.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

try:
    import click
except ImportError as exc:  # pragma: no cover - click is in the cli extra
    raise ImportError("the urbangeo command needs click: pip install 'urbangeo[cli]'") from exc

from .. import __version__
from . import accessibility, core, landuse, subsidence
from ._base import CONTEXT, Group, examples, warnings_to_stderr
from ._base import _cli_advice as _cli_advice  # the advice translation, tested directly

__all__ = ["cli", "main"]


@click.group(
    cls=Group,
    context_settings=CONTEXT,
    epilog=examples(
        "urbangeo layers city.gpkg",
        "urbangeo convert parcels.shp postgresql://me@localhost/gis#public.parcels",
        "urbangeo accessibility isochrones city.osm.pbf schools.gpkg --minutes 5,10,15 -o iso.gpkg",
        "urbangeo subsidence predict panels.gpkg --resolution-m 10 -o subsidence.tif",
        "urbangeo landuse change dltb_2018.gpkg dltb_2023.gpkg --class-col DLBM -o change.csv",
        "urbangeo compile   # once after installing: the accessibility kernels into numba's cache",
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
    from ..settings import settings

    if progress is None:
        progress = sys.stderr.isatty() and not quiet
    chosen = {k: v for k, v in {"snap_warn_m": snap_warn_m, "snap_component": snap_component}.items() if v is not None}
    ctx.with_resource(settings.override(progress=bool(progress), **chosen))
    ctx.with_resource(warnings_to_stderr(ctx))


for _command in (core.layers, core.info, core.convert, accessibility.group, subsidence.group, landuse.group,
                 accessibility.compile_command):
    cli.add_command(_command)


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
