"""Collective-to-state land conversion: codes, rule profiles, eligibility screening,
contiguous development blocks, compensation, and land-use change.

See docs/landuse.md for the user guide.
"""

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
]
