"""``urbangeo accessibility ...``: the accessibility wing from a shell."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ._base import (
    CONTEXT,
    Group,
    dist_opt,
    echo,
    examples,
    given,
    key_values,
    minutes_opt,
    mode_opt,
    numbers,
    output_opt,
    snap_opt,
    speed_opt,
    thresholds,
)
from ._run import StreetNetwork, Vector, run, split_layer, timed, write_output

#: urbangeo.accessibility.HILL_PROFILES, spelled out: importing the wing would slow every command's start-up
HILL_PROFILES = ("tobler", "wheelchair")


@dataclass(frozen=True)
class Hills:
    """--dem, --profile, --max-grade: elevations and walking times on hills (no DEM: flat)."""

    dem: str | None = None
    profile: str | None = None
    max_grade: float | None = None

    def __post_init__(self) -> None:
        if self.dem is None and (self.profile is not None or self.max_grade is not None):
            flag = "--profile" if self.profile is not None else "--max-grade"
            raise click.BadParameter(f"{flag} applies to walking times on hills; give the elevation model with "
                                     f"--dem PATH.", param_hint=flag)
        if self.dem is not None and not self.dem.upper().startswith("GPKG:") and not Path(self.dem).exists():
            raise click.BadParameter(f"no such file {self.dem!r}; give a DEM raster (GeoTIFF, metres).",
                                     param_hint="--dem")

    def apply(self, net: Any) -> Any:
        """``hill_times(add_elevation(net, dem), profile=, max_grade=)``, or ``net`` without a DEM."""
        if self.dem is None:
            return net
        from ..accessibility import add_elevation, hill_times

        if net.mode != "walk":
            raise click.UsageError(f"--dem gives walking times on hills (Tobler's hiking function); the network is a "
                                   f"{net.mode} network. Use --mode walk, or a network saved from a walking one.")
        hilly = timed(f"sampled elevations from {self.dem}", add_elevation, net, self.dem)
        z = hilly.node_z_m
        profile = self.profile or "tobler"
        hilly = timed(f"{profile} walking times", hill_times, hilly, profile=profile, max_grade=self.max_grade)
        info = hilly.meta["hills"]
        limit = "" if info["max_grade"] is None else f", max grade {info['max_grade']:.4g}"
        echo(f"hills: elevations {z.min():.1f}..{z.max():.1f} m, profile {profile}{limit}; "
             f"{info['closed_fwd']} edges closed u->v, {info['closed_rev']} v->u")
        return hilly


@dataclass(frozen=True)
class HillyStreetNetwork(StreetNetwork):
    """A :class:`StreetNetwork` with the walking times of :class:`Hills` (read last, as the network)."""

    hills: Hills = Hills()

    def load(self) -> Any:
        net = super().load()
        return None if net is None else self.hills.apply(net)


@dataclass(frozen=True)
class Streets:
    """The street options of a command: the OSM file (or saved .npz), --mode, --speed-kmh, --max-snap-m,
    and the hills (--dem, --profile, --max-grade)."""

    osm: str
    mode: str = "walk"
    speed_kmh: float | None = None
    max_snap_m: float | None = None
    hills: Hills = Hills()

    @property
    def network(self) -> StreetNetwork:
        if self.hills.dem is None:
            return StreetNetwork(self.osm, self.mode, self.speed_kmh)
        return HillyStreetNetwork(self.osm, self.mode, self.speed_kmh, hills=self.hills)

    @property
    def options(self) -> dict[str, Any]:
        """The keywords of the library call: ``speed_kmh``, ``max_snap_m``."""
        return {"speed_kmh": self.speed_kmh, "max_snap_m": self.max_snap_m}


def hill_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --dem, --profile and --max-grade (the words of add_elevation / hill_times)."""
    command = click.option(
        "--max-grade", type=float, default=None,
        help="With --dem: steepest grade walked (rise/run, e.g. 0.05); steeper pieces close the edge that way. "
             "Default: none (tobler), 1:12 (wheelchair).")(command)
    command = click.option(
        "--profile", type=click.Choice(HILL_PROFILES), default=None,
        help="With --dem: walking on hills, Tobler's hiking function (tobler, the default) or with the 1:12 "
             "grade limit of a wheelchair (wheelchair).")(command)
    return click.option(
        "--dem", default=None, metavar="PATH",
        help="Elevation model (GeoTIFF, metres, any CRS): direction-dependent walking times on hills "
             "(add_elevation + hill_times; walking networks only).")(command)


def street_options(*, mode: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add --mode (unless ``mode=False``: walking), --speed-kmh, --max-snap-m, --dem, --profile and
    --max-grade as the last options.

    The command receives them, with its ``osm`` argument (or ``--network`` option), as one
    ``streets`` parameter (:class:`Streets`).
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*, osm: str, speed_kmh: float | None, max_snap_m: float | None, dem: str | None,
                    profile: str | None, max_grade: float | None, **kwargs: Any) -> Any:
            streets = Streets(osm, kwargs.pop("mode", "walk"), speed_kmh, max_snap_m, Hills(dem, profile, max_grade))
            return command(streets=streets, **kwargs)

        wrapped = speed_opt(snap_opt(hill_options(wrapper)))
        return mode_opt(wrapped) if mode else wrapped

    return decorate


@click.group("accessibility", cls=Group, context_settings=CONTEXT)
def group() -> None:
    """Walking (cycling, driving) accessibility over OpenStreetMap street networks.

    Every command builds the street network from an OpenStreetMap extract (OSM: a
    .osm.pbf, .osm or .osm.bz2 file; about a second for a city district) in a metric
    CRS, or loads one saved with `network --save net.npz`, snaps points to the nearest
    street edge, and writes results in the CRS of the input points.
    """


@group.command(
    "network",
    epilog=examples(
        "urbangeo accessibility network helsinki.osm.pbf -o network.gpkg",
        "urbangeo accessibility network andorra.osm.pbf --mode drive --bbox 1.50,42.49,1.56,42.52 -o drive.gpkg",
        "urbangeo accessibility network city.osm.pbf -o network.gpkg --save walk.npz   # then: nearest walk.npz ...",
        "urbangeo accessibility network roads.gpkg --from-lines --level-col layer -o network.gpkg --save roads.npz",
        "urbangeo accessibility network city.osm.pbf --dem dem.tif --profile wheelchair -o hills.gpkg --save hills.npz",
    ),
)
@click.argument("osm")
@output_opt("GeoPackage with layers edges and nodes")
@mode_opt
@speed_opt
@click.option("--bbox", default=None, metavar="W,S,E,N", help="Keep only this lon/lat box.")
@click.option("--no-simplify", is_flag=True, help="Keep every OSM node (no merging of degree-2 chains).")
@click.option("--no-retain-all", is_flag=True, help="Keep only the largest connected component.")
@click.option("--save", "save", default=None, metavar="NET.npz", help="Also save the network for the other commands.")
@click.option("--from-lines", is_flag=True,
              help="OSM is a line layer (a bureau's road centre lines, path[#layer]): repair its topology and build.")
@click.option("--snap-tolerance-m", type=float, default=2.0, show_default=True,
              help="--from-lines: largest gap closed between a line end and another line.")
@click.option("--speed-col", default=None, help="--from-lines: column with the speed in km/h.")
@click.option("--oneway-col", default=None, help="--from-lines: one-way code column (yes/FT, -1/TF, no/B).")
@click.option("--level-col", default=None, help="--from-lines: level column (0 ground, 1 bridge, -1 tunnel).")
@hill_options
def acc_network(
    osm: str,
    output: str,
    mode: str,
    speed_kmh: float | None,
    bbox: str | None,
    no_simplify: bool,
    no_retain_all: bool,
    save: str | None,
    dem: str | None,
    profile: str | None,
    max_grade: float | None,
    **lines: Any,
) -> None:
    """Build the street network of an OSM file (or of a road line layer) and write its edges and nodes.

    With --save the network is also written to one .npz file that every other
    accessibility command takes in place of the OSM file (no rebuilding). With
    --from-lines the input is any line layer; every repair (split, gap closed,
    duplicate dropped) is written to the layer `fixes`. With --dem the nodes get their
    elevation (z_m) and the edges their walking factors each way (factor_fwd, factor_rev),
    which --save keeps.
    """
    from ..accessibility import network_from_osm

    hills = Hills(dem, profile, max_grade)
    if lines.pop("from_lines"):
        _network_from_lines(osm, output, mode, speed_kmh, simplify=not no_simplify, save=save, hills=hills, **lines)
        return
    box = numbers(bbox, "--bbox")
    if box is not None and len(box) != 4:
        raise click.BadParameter("give four numbers: west,south,east,north", param_hint="--bbox")
    net = timed(
        f"built the {mode} network",
        network_from_osm,
        osm,
        mode=mode,
        speed_kmh=speed_kmh,
        bbox=box,
        simplify=not no_simplify,
        retain_all=not no_retain_all,
        progress=None,
    )
    net = hills.apply(net)
    path, _ = split_layer(output)
    write_output(net.edges, path + "#edges", layer="edges")
    write_output(net.nodes, path + "#nodes", layer="nodes")
    if save:
        echo(f"saved the network to {net.save(save)}")


def _network_from_lines(spec: str, output: str, mode: str, speed_kmh: float | None, *, simplify: bool,
                        save: str | None, hills: Hills, snap_tolerance_m: float, speed_col: str | None,
                        oneway_col: str | None, level_col: str | None) -> None:
    from ..accessibility import network_from_lines, repair_street_lines
    from ._run import read_input

    roads = read_input(spec, what="road lines")
    net = timed(f"built the {mode} network from {len(roads):,} lines", network_from_lines, roads, mode=mode,
                speed_kmh=speed_kmh, speed_col=speed_col, oneway_col=oneway_col, simplify=simplify,
                snap_tolerance_m=snap_tolerance_m, level_col=level_col)
    net = hills.apply(net)
    _, fixes = repair_street_lines(roads, snap_tolerance_m=snap_tolerance_m, level_col=level_col)
    path, _ = split_layer(output)
    write_output(net.edges, path + "#edges", layer="edges")
    write_output(net.nodes, path + "#nodes", layer="nodes")
    write_output(fixes, path + "#fixes", layer="fixes")
    if save:
        echo(f"saved the network to {net.save(save)}")


@group.command(
    "nearest",
    epilog=examples(
        "urbangeo accessibility nearest city.osm.pbf buildings.gpkg clinics.gpkg -o nearest.gpkg",
        "urbangeo accessibility nearest city.osm.pbf homes.gpkg services.gpkg --k 3 --by kind --minutes 30 -o near.gpkg",
        "urbangeo accessibility nearest city.osm.pbf homes.gpkg clinics.gpkg --dem dem.tif --profile wheelchair "
        "-o hills.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@click.argument("facilities")
@output_opt("GeoPackage: the origins with minutes, dist_m and facility ids")
@click.option("--k", type=int, default=1, show_default=True, help="How many nearest facilities.")
@click.option("--by", default=None, help="Facility column: the nearest of each kind.")
@click.option("--minutes", type=float, default=None, help="Search no farther (beyond: NaN).")
@street_options()
def acc_nearest(
    origins: str, facilities: str, output: str, k: int, by: str | None, minutes: float | None, streets: Streets
) -> None:
    """Travel time and distance from every origin to its nearest facilities."""
    from ..accessibility import nearest_facilities

    run("nearest facilities", nearest_facilities, streets.network, Vector(origins, "origins"),
        Vector(facilities, "facilities"), k=k, by=by, minutes=minutes, **streets.options,
        output=output, layer="nearest")


@group.command(
    "count",
    epilog=examples(
        "urbangeo accessibility count city.osm.pbf homes.gpkg shops.gpkg --minutes 5,10,15 -o counts.gpkg",
        "urbangeo accessibility count city.osm.pbf homes.gpkg jobs.gpkg --dist-m 1200 --weight-col jobs -o jobs.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@click.argument("facilities")
@output_opt("GeoPackage: the origins with one count column per threshold")
@minutes_opt
@dist_opt
@click.option("--weight-col", default=None, help="Sum this facility column instead of counting.")
@click.option("--by", default=None, help="Facility column: counts per kind.")
@street_options()
def acc_count(
    origins: str, facilities: str, output: str, minutes: str | None, dist_m: str | None, weight_col: str | None,
    by: str | None, streets: Streets,
) -> None:
    """Facilities (or a sum of their weights) within each travel time or distance."""
    from ..accessibility import cumulative_opportunities

    bounds = thresholds(minutes, dist_m)
    run("cumulative opportunities", cumulative_opportunities, streets.network, Vector(origins, "origins"),
        Vector(facilities, "facilities"), **bounds, weight_col=weight_col, by=by, **streets.options,
        output=output, layer="count")


@group.command(
    "isochrones",
    epilog=examples(
        "urbangeo accessibility isochrones city.osm.pbf schools.gpkg --minutes 5,10,15 -o iso.gpkg",
        "urbangeo accessibility isochrones city.osm.pbf parks.gpkg --dist-m 300,500,1000 -o park_areas.gpkg",
    ),
)
@click.argument("osm")
@click.argument("origins")
@output_opt("GeoPackage: one polygon per origin and band")
@minutes_opt
@dist_opt
@click.option("--street-width-m", type=float, default=None, help="Buffer around reached streets.")
@street_options()
def acc_isochrones(
    origins: str, output: str, minutes: str | None, dist_m: str | None, street_width_m: float | None, streets: Streets
) -> None:
    """Areas reachable from each origin within each time (or distance) band."""
    from ..accessibility import isochrones

    bounds = thresholds(minutes, dist_m)
    run("isochrones", isochrones, streets.network, Vector(origins, "origins"), **bounds,
        street_width_m=street_width_m, **streets.options, output=output, layer="isochrones")


@group.command(
    "lifecircle",
    epilog=examples(
        "urbangeo accessibility lifecircle city.osm.pbf homes.gpkg services.gpkg --by category -o audit.gpkg",
        "urbangeo accessibility lifecircle city.osm.pbf homes.gpkg services.gpkg --by kind "
        "--required kindergarten=5,clinic=15,park=10 -o audit.gpkg",
    ),
)
@click.argument("osm")
@click.argument("residences")
@click.argument("facilities")
@output_opt("GeoPackage: the homes with minutes, circle and ok per category, and compliant")
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
@street_options(mode=False)
def acc_lifecircle(
    residences: str, facilities: str, output: str, by: str, standard: str, required: str | None, measure: str,
    streets: Streets,
) -> None:
    """Life-circle audit: which homes reach each required service within its circle."""
    from ..accessibility import life_circle_audit

    circles = {k: float(v) for k, v in key_values(required.split(",")).items()} if required else None
    run("life-circle audit", life_circle_audit, streets.network, Vector(residences, "residences"),
        Vector(facilities, "facilities"), by=by, standard=None if standard.lower() == "none" else standard,
        required=circles, measure=measure, **streets.options, output=output, layer="life_circle")


@group.command(
    "fca",
    epilog=examples(
        "urbangeo accessibility fca city.osm.pbf blocks.gpkg clinics.gpkg --population-col pop "
        "--capacity-col doctors --minutes 15 -o access.gpkg",
        "urbangeo accessibility fca city.osm.pbf blocks.gpkg clinics.gpkg --method e2sfca --population-col pop "
        "--capacity-col doctors -o access.gpkg",
    ),
)
@click.argument("osm")
@click.argument("demand")
@click.argument("supply")
@output_opt("GeoPackage: the demand points with their access score")
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
@street_options()
def acc_fca(
    demand: str, supply: str, output: str, population_col: str, capacity_col: str, method: str,
    minutes: float | None, dist_m: float | None, streets: Streets,
) -> None:
    """Supply-to-demand access with the floating catchment area family."""
    from .. import accessibility as acc

    methods: dict[str, Callable[..., Any]] = {
        "2sfca": acc.two_step_fca,
        "e2sfca": acc.enhanced_two_step_fca,
        "g2sfca": acc.gravity_two_step_fca,
        "3sfca": acc.three_step_fca,
    }
    run(method, methods[method], streets.network, Vector(demand, "demand"), Vector(supply, "supply"),
        population_col=population_col, capacity_col=capacity_col, **given(minutes=minutes, dist_m=dist_m),
        **streets.options, output=output, layer=method)


@group.command(
    "site",
    epilog=examples(
        "urbangeo accessibility site homes.gpkg --network city.osm.pbf --model mclp -p 3 "
        "--minutes 10 --population-col pop -o sites.gpkg",
        "urbangeo accessibility site homes.gpkg candidates.gpkg --network city.osm.pbf --model lscp "
        "--minutes 15 --existing clinics.gpkg -o sites.gpkg",
    ),
)
@click.argument("demand")
@click.argument("candidates", required=False)
@click.option("--network", "osm", required=True, metavar="OSM", help="OpenStreetMap file for travel times.")
@output_opt("GeoPackage: the chosen sites")
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
@street_options()
def acc_site(
    demand: str, candidates: str | None, output: str, model: str, p: int | None, minutes: float | None,
    population_col: str | None, existing: str | None, solver: str, time_limit_s: float | None, streets: Streets,
) -> None:
    """Choose new facility sites (LSCP, MCLP, p-median) over the street network.

    Without CANDIDATES the network's intersections are the candidate sites.
    """
    from ..accessibility import site_facilities

    run(f"siting ({model})", site_facilities, streets.network, Vector(demand, "demand"),
        candidates=Vector(candidates or None, "candidates"), model=model, p=p, minutes=minutes,
        existing=Vector(existing or None, "existing"), population_col=population_col, solver=solver,
        time_limit_s=time_limit_s, **streets.options, output=output, layer="sites")


@click.command(
    "compile",
    epilog=examples(
        "urbangeo compile                               # once, after pip install urbangeo",
        "NUMBA_CACHE_DIR=/srv/numba urbangeo compile     # into a chosen cache directory",
    ),
)
def compile_command() -> None:
    """Compile the accessibility search kernels into numba's cache, once after installing.

    Later processes load them from the cache: no first call waits for numba, not even a
    big one (k nearest facilities over a whole city). Prints what was compiled (stderr, not
    with --quiet), where the cache is and how long it took. Without numba there is nothing to
    compile.
    """
    from ..accessibility import compile_kernels

    root = click.get_current_context().find_root().params
    info = compile_kernels(progress=root.get("progress"))
    if not info["numba"]:
        click.echo("numba is not installed: the kernels run as plain Python (correct, slower on big inputs); "
                   "pip install 'urbangeo[network]' to compile them.")
        return
    for name, n in info["kernels"].items():
        done = [f"{v} {k.replace('_', ' ')}" for k, v in n.items() if v]
        echo(f"  {name:18s} {', '.join(done) or 'nothing to do'}")
    compiled = sum(n["compiled"] for n in info["kernels"].values())
    click.echo(f"compiled {compiled} kernel signature{'s' * (compiled != 1)} in {info['seconds']:.1f} s; "
               f"cache: {info['cache_dir']}")
