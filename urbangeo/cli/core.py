"""``urbangeo layers | info | convert``: files and databases, no analysis."""

from __future__ import annotations

from pathlib import Path

import click

from ._base import echo, examples
from ._run import read_input, split_layer


@click.command(epilog=examples("urbangeo layers city.gpkg", "urbangeo layers postgresql://me@localhost/gis"))
@click.argument("source")
def layers(source: str) -> None:
    """List the layers of a file (or the tables of a PostGIS database)."""
    from ..io import _is_postgis, list_layers

    if _is_postgis(source):
        from .._postgis import list_postgis_layers

        table = list_postgis_layers(source)
    else:
        if not Path(source).exists():
            raise FileNotFoundError(f"no such file {source!r}; check the path.")
        table = list_layers(source)
    click.echo(table.to_string(index=False) if len(table) else "(no layers)")


@click.command(epilog=examples("urbangeo info parcels.gpkg#parcels"))
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


@click.command(
    epilog=examples(
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
    from .. import crs as ucrs
    from ..io import write

    gdf = read_input(source)
    if from_datum == "gcj02":
        gdf = ucrs.gcj02_to_wgs84(gdf)
    elif from_datum == "bd09":
        gdf = ucrs.bd09_to_wgs84(gdf)
    if to_crs:
        gdf = gdf.to_crs(to_crs)
    path, layer = split_layer(target)
    if layer is None:
        layer = split_layer(source)[1] or Path(split_layer(source)[0]).stem.split(".")[0]
    where = write(gdf, path, layer=layer, mode="a" if append else "w")
    echo(f"wrote {len(gdf):,} rows to {where} (layer {layer})")
