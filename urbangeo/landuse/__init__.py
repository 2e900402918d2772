"""Collective-to-state land conversion: codes, rule profiles, eligibility screening,
contiguous development blocks, compensation, and land-use change.

See docs/landuse.md for the user guide.
"""

from ..units import MU_M2, m2_to_mu
from .blocks import assemble_blocks, block_membership
from .change import (
    UNMATCHED,
    category_intensity,
    change_components,
    interval_intensity,
    markov_matrix,
    raster_transition_matrix,
    transition_intensity,
    transition_matrix,
    transitions_long,
)
from .codes import (
    CATEGORY_NAMES,
    COLLECTIVE_OWNERSHIP,
    category_of,
    is_collective,
    land_classes,
    level1_of,
    name_of,
    normalize_codes,
    ownership_codes,
    planning_class_of,
    planning_classes,
    validate_codes,
)
from .compensation import compensation_by_village, estimate_compensation
from .metrics import class_metrics, landscape_metrics, polygon_patches
from .modelled import assign_modelled_attributes, modelled_constraints, modelled_parcels, modelled_price_zones
from .plotting import plot_blocks, plot_eligibility
from .plotting_change import plot_transition_heatmap, plot_transition_sankey
from .rules import Rule, RuleProfile, available_profiles, load_profile
from .screening import area_statistics, conversion_summary, screen_conversion

__all__ = [
    # codes
    "CATEGORY_NAMES",
    "COLLECTIVE_OWNERSHIP",
    "category_of",
    "is_collective",
    "land_classes",
    "level1_of",
    "name_of",
    "normalize_codes",
    "ownership_codes",
    "planning_class_of",
    "planning_classes",
    "validate_codes",
    # rules
    "Rule",
    "RuleProfile",
    "available_profiles",
    "load_profile",
    # screening
    "screen_conversion",
    "conversion_summary",
    "area_statistics",
    # blocks
    "assemble_blocks",
    "block_membership",
    # compensation
    "MU_M2",
    "m2_to_mu",
    "estimate_compensation",
    "compensation_by_village",
    # maps
    "plot_eligibility",
    "plot_blocks",
    # change (transition matrices, components, intensity analysis, plots)
    "UNMATCHED",
    "transition_matrix",
    "raster_transition_matrix",
    "change_components",
    "markov_matrix",
    "transitions_long",
    "interval_intensity",
    "category_intensity",
    "transition_intensity",
    "plot_transition_heatmap",
    "plot_transition_sankey",
    # fragmentation metrics
    "class_metrics",
    "landscape_metrics",
    "polygon_patches",
    # modelled (synthetic, seeded) data to try the functions on
    "modelled_parcels",
    "assign_modelled_attributes",
    "modelled_constraints",
    "modelled_price_zones",
]
