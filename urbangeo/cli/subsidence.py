"""``urbangeo subsidence ...``: the subsidence wing from a shell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from ._base import CONTEXT, Group, examples, given, key_values, numbers, on_invalid_opt, output_opt
from ._run import Input, RasterFile, StreetNetwork, Vector, read_raster_file, run


@dataclass(frozen=True)
class Depth(Input):
    """--groundwater-depth-m: a number of metres or a GeoTIFF of depths."""

    value: str | None

    def load(self) -> Any:
        if self.value is None:
            return None
        try:
            return float(self.value)
        except ValueError:
            return read_raster_file(self.value, "groundwater depth")


@click.group("subsidence", cls=Group, context_settings=CONTEXT)
def group() -> None:
    """Mining subsidence prediction (probability integral method) and restoration zoning."""


@group.command(
    "predict",
    epilog=examples(
        "urbangeo subsidence predict panels.gpkg --resolution-m 10 -o subsidence.tif",
        "urbangeo subsidence predict panels.gpkg --param q=0.95 --param tan_beta=2.2 -o w.tif",
    ),
)
@click.argument("panels")
@output_opt("GeoTIFF of final subsidence W in metres")
@click.option("--resolution-m", type=float, default=10.0, show_default=True, help="Cell size.")
@click.option(
    "--param",
    "param",
    multiple=True,
    metavar="KEY=VALUE",
    help="PIM parameter for panels without that column (m, q, H, tan_beta, b, theta0_deg, s...); repeatable.",
)
@click.option("--method", type=click.Choice(["auto", "closed_form", "grid"]), default="auto", show_default=True)
@on_invalid_opt
def sub_predict(
    panels: str, output: str, resolution_m: float, param: tuple[str, ...], method: str, on_invalid: str
) -> None:
    """Predict final subsidence of mined panels with the probability integral method."""
    from ..subsidence import predict_subsidence

    run("PIM prediction", predict_subsidence, Vector(panels, "panels"), resolution_m=resolution_m,
        params=key_values(param) or None, method=method, on_invalid=on_invalid, output=output, layer="subsidence")


@group.command(
    "insar",
    epilog=examples(
        "urbangeo subsidence insar velocity.tif --convention mintpy --incidence-deg 39 -o subsidence_rate.tif",
        "urbangeo subsidence insar cum.tif --convention licsbas --kind cumulative --coherence coh.tif "
        "--min-coherence 0.7 -o subsidence.tif",
    ),
)
@click.argument("source")
@output_opt("GeoTIFF of subsidence (positive down) in m or m/yr, in a metric CRS")
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
    from ..subsidence import insar_to_subsidence

    run("InSAR to subsidence", insar_to_subsidence, RasterFile(source, "InSAR product"), convention=convention,
        kind=kind, incidence_deg=incidence_deg, coherence=RasterFile(coherence or None, "coherence"),
        min_coherence=min_coherence, resolution_m=resolution_m, output=output, layer="subsidence")


@group.command(
    "zones",
    epilog=examples(
        "urbangeo subsidence zones subsidence.tif --groundwater-depth-m 1.5 -o zones.gpkg",
        "urbangeo subsidence zones subsidence.tif --groundwater-depth-m gw_depth.tif --min-area-m2 2000 -o zones.gpkg",
    ),
)
@click.argument("subsidence_tif", metavar="SUBSIDENCE")
@output_opt("GeoPackage: zones with class, restoration use, areas (m2, ha, mu), water volume")
@click.option(
    "--groundwater-depth-m", required=True, metavar="M|TIF", help="Pre-mining depth to the water table (m or GeoTIFF)."
)
@click.option("--min-area-m2", type=float, default=0.0, show_default=True, help="Drop smaller zones.")
def sub_zones(subsidence_tif: str, output: str, groundwater_depth_m: str, min_area_m2: float) -> None:
    """Restoration zones of a subsidence raster (m, positive down): farmland, wetland, lake."""
    from ..subsidence import restoration_zones

    run("restoration zones", restoration_zones, RasterFile(subsidence_tif, "subsidence"),
        groundwater_depth_m=Depth(groundwater_depth_m), min_area_m2=min_area_m2, output=output, layer="zones")


@group.command(
    "areas",
    epilog=examples(
        "urbangeo subsidence areas subsidence.tif -o areas.gpkg",
        "urbangeo subsidence areas subsidence.tif --classes 0.01,0.5,1.5,3 --min-area-m2 5000 -o areas.gpkg",
    ),
)
@click.argument("subsidence_tif", metavar="SUBSIDENCE")
@output_opt("GeoPackage: class polygons with zonal statistics")
@click.option("--classes", default=None, metavar="M,M,...", help="Class breaks in metres of subsidence.")
@click.option("--groundwater-depth-m", default=None, metavar="M|TIF", help="Adds water depth and volume.")
@click.option("--min-area-m2", type=float, default=0.0, show_default=True, help="Drop smaller polygons.")
def sub_areas(
    subsidence_tif: str, output: str, classes: str | None, groundwater_depth_m: str | None, min_area_m2: float
) -> None:
    """Polygons of subsidence classes (observed or predicted) with zonal statistics."""
    from ..subsidence import subsidence_areas

    optional = given(classes=numbers(classes, "--classes") if classes else None,
                     groundwater_depth_m=None if groundwater_depth_m is None else Depth(groundwater_depth_m))
    run("subsidence areas", subsidence_areas, RasterFile(subsidence_tif, "subsidence"), min_area_m2=min_area_m2,
        **optional, output=output, layer="areas")


@group.command(
    "park",
    epilog=examples(
        "urbangeo subsidence park zones.gpkg -o park.gpkg",
        "urbangeo subsidence park zones.gpkg --buildings homes.gpkg --population-col residents "
        "--network town.osm.pbf --entrance-spacing-m 400 -o park.gpkg",
    ),
)
@click.argument("zones")
@output_opt("GeoPackage: parks with ratios, class, service radius, people served")
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
@on_invalid_opt
def sub_park(
    zones: str, output: str, buildings: str | None, population_col: str | None, osm: str | None,
    min_park_area_m2: float, entrance_spacing_m: float, on_invalid: str,
) -> None:
    """Turn restoration zones into parks with their ratios, class and residents served."""
    from ..subsidence import park_plan

    run("park plan", park_plan, StreetNetwork(osm or None), Vector(zones, "zones"),
        buildings=Vector(buildings or None, "buildings"),
        population_col=population_col, min_park_area_m2=min_park_area_m2, entrance_spacing_m=entrance_spacing_m,
        on_invalid=on_invalid, output=output, layer="parks")
