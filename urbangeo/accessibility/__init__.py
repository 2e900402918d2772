"""Accessibility over OpenStreetMap street networks (filled by the accessibility issues)."""

# --- street network (Accessibility I, network half)
from .network import MODES, Network, network_from_osm  # noqa: E402

# --- engine, snapping and metrics (Accessibility I, metric half)
from .metrics import (  # noqa: E402
    DECAYS,
    PairCosts,
    cumulative_opportunities,
    decay_weights,
    gravity_access,
    nearest_facilities,
    pair_costs,
)
from .snapping import snap_points  # noqa: E402
from .synthetic import grid_network  # noqa: E402
from .fca import (  # noqa: E402
    E2SFCA_WEIGHTS,
    FCA_METHODS,
    enhanced_two_step_fca,
    gravity_two_step_fca,
    supply_ratios,
    three_step_fca,
    two_step_fca,
)
from .isochrones import isochrones, service_areas  # noqa: E402
