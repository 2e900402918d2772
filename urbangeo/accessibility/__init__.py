"""Accessibility over OpenStreetMap street networks (filled by the accessibility issues)."""

# --- street network (Accessibility I, network half)
# --- engine, snapping and metrics (Accessibility I, metric half)
from .fca import (
    E2SFCA_WEIGHTS,
    FCA_METHODS,
    enhanced_two_step_fca,
    gravity_two_step_fca,
    supply_ratios,
    three_step_fca,
    two_step_fca,
)
from .isochrones import isochrones, service_areas
from .metrics import (
    DECAYS,
    PairCosts,
    cumulative_opportunities,
    decay_weights,
    gravity_access,
    nearest_facilities,
    pair_costs,
)
from .network import MODES, Network, network_from_osm
from .snapping import snap_points
from .synthetic import grid_network

__all__ = [
    "MODES",
    "Network",
    "network_from_osm",
    # metric half
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
    "pair_costs",
    "service_areas",
    "snap_points",
    "supply_ratios",
    "three_step_fca",
    "two_step_fca",
]
