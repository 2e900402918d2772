"""``urbangeo landuse ...``: the land-use wing from a shell."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ._base import CONTEXT, Group, examples, on_invalid_opt, output_opt
from ._run import Input, Vector, read_input, run, split_layer


@dataclass(frozen=True)
class LayerOrRaster(Input):
    """A .tif is passed as its path (the landuse functions read rasters); anything else is read."""

    spec: str
    what: str

    def load(self) -> Any:
        if split_layer(self.spec)[0].lower().endswith((".tif", ".tiff")):
            if not Path(self.spec).exists():
                raise FileNotFoundError(f"no such file {self.spec!r} ({self.what}); check the path.")
            return self.spec
        return read_input(self.spec, what=self.what)


def _eligible(gdf: Any) -> Any:
    """The rows whose 'eligible' column (of `landuse screen`) is true."""
    if "eligible" not in gdf.columns:
        raise click.BadParameter("the parcels have no 'eligible' column; run `urbangeo landuse screen` first.",
                                 param_hint="--eligible-only")
    return gdf[gdf["eligible"].fillna(False).astype(bool)]


@click.group("landuse", cls=Group, context_settings=CONTEXT)
def group() -> None:
    """Collective-to-state land conversion, contiguous blocks and land-use change."""


@group.command(
    "screen",
    epilog=examples(
        "urbangeo landuse screen dltb.gpkg --development-boundary ubg.gpkg --basic-farmland jbnt.gpkg "
        "--red-line stbhhx.gpkg -o screened.gpkg",
        "urbangeo landuse screen dltb.gpkg --route market_entry --planning plan.gpkg --profile guangdong -o s.gpkg",
    ),
)
@click.argument("parcels")
@output_opt("GeoPackage: the parcels with eligible, failed_tests, quota and approval level")
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
@on_invalid_opt
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
    from ..landuse import screen_conversion

    layers = {
        name: Vector(path or None, name)
        for name, path in [
            ("development_boundary", development_boundary),
            ("basic_farmland", basic_farmland),
            ("red_line", red_line),
        ]
    }
    plan: Any = planning  # a file (or database table) of planned uses, else a parcels column
    if planning and (Path(split_layer(planning)[0]).exists() or "://" in planning):
        plan = Vector(planning, "planning")
    run(f"screening ({route})", screen_conversion, Vector(parcels, "parcels"), **layers, planning=plan, route=route,
        profile=profile, class_col=class_col, ownership_col=ownership_col, consent_col=consent_col,
        on_invalid=on_invalid, note=lambda r: f"{int(r['eligible'].sum()):,} of {len(r):,} parcels eligible",
        output=output, layer="screened")


@group.command(
    "blocks",
    epilog=examples(
        "urbangeo landuse blocks screened.gpkg --eligible-only --gap-m 5 -o blocks.gpkg",
        "urbangeo landuse blocks parcels.gpkg --group-by ZLDWDM --min-area-m2 30000 -o blocks.gpkg",
    ),
)
@click.argument("parcels")
@output_opt("GeoPackage: dissolved blocks with area, shape, ownership mix and the minimum-area flag")
@click.option("--gap-m", type=float, default=0.0, show_default=True, help="Link parcels closer than this.")
@click.option("--min-area-m2", type=float, default=None, help="Flag smaller blocks (default: the profile's).")
@click.option("--group-by", default=None, help="Only link parcels with the same value of this column.")
@click.option("--eligible-only", is_flag=True, help="Use only rows whose 'eligible' column is true.")
@click.option("--profile", default="national", show_default=True)
@on_invalid_opt
def lu_blocks(
    parcels: str, output: str, gap_m: float, min_area_m2: float | None, group_by: str | None, eligible_only: bool,
    profile: str, on_invalid: str,
) -> None:
    """Assemble touching (or nearly touching) parcels into contiguous development blocks."""
    from ..landuse import assemble_blocks

    rows = Vector(parcels, "parcels", prepare=_eligible if eligible_only else None)
    run("contiguous blocks", assemble_blocks, rows, gap_m=gap_m, min_area_m2=min_area_m2, group_by=group_by,
        profile=profile, on_invalid=on_invalid, output=output, layer="blocks")


@group.command(
    "compensation",
    epilog=examples(
        "urbangeo landuse compensation screened.gpkg price_zones.gpkg -o compensation.gpkg",
        "urbangeo landuse compensation parcels.gpkg zones.gpkg "
        "--components price_per_mu,resettlement_per_mu,social_security_per_mu -o comp.gpkg",
    ),
)
@click.argument("parcels")
@click.argument("price_zones")
@output_opt("GeoPackage: the parcels with area in mu and yuan per component")
@click.option("--price-col", default="price_per_mu", show_default=True, help="Zone land price, yuan per mu.")
@click.option("--components", default=None, metavar="COL[,COL...]", help="Rate columns (yuan per mu) to apply.")
@click.option("--area-col", default="TBDLMJ", show_default=True, help="Official net area (m2) when present; '' = geometry.")
@on_invalid_opt
def lu_compensation(
    parcels: str, price_zones: str, output: str, price_col: str, components: str | None, area_col: str,
    on_invalid: str,
) -> None:
    """Compensation per parcel from zone-based integrated land prices (area-weighted)."""
    from ..landuse import estimate_compensation

    comps = [c.strip() for c in components.split(",") if c.strip()] if components else None
    run("compensation", estimate_compensation, Vector(parcels, "parcels"), Vector(price_zones, "price zones"),
        price_col=price_col, components=comps, area_col=area_col or None, on_invalid=on_invalid,
        output=output, layer="compensation")


@group.command(
    "change",
    epilog=examples(
        "urbangeo landuse change dltb_2018.gpkg dltb_2023.gpkg --class-col DLBM -o change.csv",
        "urbangeo landuse change lc_2010.tif lc_2020.tif -o change.csv",
    ),
)
@click.argument("before")
@click.argument("after")
@output_opt("CSV: the from x to matrix of areas (m2, or cells)")
@click.option("--class-col", default="DLBM", show_default=True, help="Class column of polygon layers.")
@click.option("--class-col-after", default=None, help="Class column of AFTER when it differs.")
@click.option("--resolution-m", type=float, default=None, help="Rasters: cell side in metres (areas in m2).")
@click.option("--units", type=click.Choice(["cells", "m2"]), default=None,
              help="Rasters: cell counts or m2 (default: m2 with --resolution-m, else cells).")
@on_invalid_opt
def lu_change(
    before: str, after: str, output: str, class_col: str, class_col_after: str | None, resolution_m: float | None,
    units: str | None, on_invalid: str,
) -> None:
    """From -> to matrix of land-use change between two dates (polygons or rasters)."""
    from ..landuse import transition_matrix

    run("transition matrix", transition_matrix, LayerOrRaster(before, "before"), LayerOrRaster(after, "after"),
        class_col=class_col, class_col_after=class_col_after, resolution_m=resolution_m, units=units,
        on_invalid=on_invalid, output=output, layer="change")


@group.command(
    "metrics",
    epilog=examples(
        "urbangeo landuse metrics dltb.gpkg --class-col DLBM -o metrics.csv",
        "urbangeo landuse metrics landcover.tif --level landscape -o landscape.csv",
    ),
)
@click.argument("landscape")
@output_opt("CSV: one row per class (or one for the landscape)")
@click.option("--class-col", default=None, help="Class column of a polygon layer.")
@click.option("--level", type=click.Choice(["class", "landscape"]), default="class", show_default=True)
@click.option("--neighbours", type=click.Choice(["4", "8"]), default="8", show_default=True)
@click.option("--resolution-m", type=float, default=None,
              help="Cell side in metres: overrides a raster's; for polygons, AI and COHESION on cells of this side.")
@on_invalid_opt
def lu_metrics(
    landscape: str, output: str, class_col: str | None, level: str, neighbours: str, resolution_m: float | None,
    on_invalid: str,
) -> None:
    """FRAGSTATS fragmentation metrics (NP, LPI, ED, LSI, MESH, AI, COHESION, SHDI...)."""
    from ..landuse import class_metrics, landscape_metrics

    func = class_metrics if level == "class" else landscape_metrics
    run(f"{level} metrics", func, LayerOrRaster(landscape, "landscape"), class_col=class_col,
        neighbours=int(neighbours), resolution_m=resolution_m, on_invalid=on_invalid, output=output, layer="metrics")
