"""Accessibility over street networks: what people reach on foot, by bike or by car.

Street networks (:class:`Network`, from OpenStreetMap, networkx or any road line layer), snapping to street
edges, travel-time metrics and floating catchments, isochrones, life circles, parks,
facility siting and equity (docs/accessibility.md, docs/accessibility_lifecircle.md).
"""

from .compilation import compile_kernels
from .elevation import add_elevation, hill_times
from .equity import access_equity, gini, theil, weighted_percentiles
from .fca import (
    E2SFCA_WEIGHTS,
    FCA_METHODS,
    enhanced_two_step_fca,
    gravity_two_step_fca,
    supply_ratios,
    three_step_fca,
    two_step_fca,
)
from .features import features_from_osm
from .graph import network_from_graph, network_from_place, network_from_polygon, network_to_graph
from .isochrones import isochrones, service_areas
from .lifecircle import life_circle_audit, life_circle_standard, life_circle_summary
from .lines import damage_street_lines, network_from_lines, repair_street_lines
from .metrics import (
    DECAYS,
    PairCosts,
    cumulative_opportunities,
    decay_weights,
    gravity_access,
    nearest_facilities,
    pair_costs,
)
from .network import MODES, Network, clip_network, default_snap_filter, network_from_osm
from .parks import (
    classify_parks,
    park_coverage,
    park_coverage_summary,
    park_entrances,
    park_service_areas,
)
from .population import disaggregate_population, sample_population_raster
from .regions import per_network
from .siting import assign_demand, cost_matrix, network_candidates, site_facilities
from .snapping import snap_points
from .synthetic import grid_network

__all__ = [
    # street networks
    "MODES",
    "Network",
    "network_from_osm",
    "features_from_osm",
    "network_from_graph",
    "network_from_lines",
    "repair_street_lines",
    "damage_street_lines",
    "network_to_graph",
    "network_from_place",
    "network_from_polygon",
    "clip_network",
    "default_snap_filter",
    "add_elevation",
    "hill_times",
    "compile_kernels",
    # snapping, metrics, catchments, isochrones
    "DECAYS",
    "E2SFCA_WEIGHTS",
    "FCA_METHODS",
    "PairCosts",
    "cumulative_opportunities",
    "decay_weights",
    "enhanced_two_step_fca",
    "gravity_access",
    "gravity_two_step_fca",
    "grid_network",
    "isochrones",
    "nearest_facilities",
    "per_network",
    "pair_costs",
    "service_areas",
    "snap_points",
    "supply_ratios",
    "three_step_fca",
    "two_step_fca",
    # life circles, parks, siting, equity
    "access_equity",
    "assign_demand",
    "classify_parks",
    "cost_matrix",
    "gini",
    "life_circle_audit",
    "life_circle_standard",
    "life_circle_summary",
    "network_candidates",
    "park_coverage",
    "park_coverage_summary",
    "park_entrances",
    "park_service_areas",
    "disaggregate_population",
    "sample_population_raster",
    "site_facilities",
    "theil",
    "weighted_percentiles",
]
