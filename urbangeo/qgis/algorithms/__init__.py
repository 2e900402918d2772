"""urbangeo's Processing algorithms, one module per domain wing."""

from __future__ import annotations

from . import accessibility, landuse, subsidence
from ._base import GROUPS, UrbangeoAlgorithm

ALGORITHMS: list[type[UrbangeoAlgorithm]] = [*accessibility.ALGORITHMS, *subsidence.ALGORITHMS, *landuse.ALGORITHMS]

__all__ = ["ALGORITHMS", "GROUPS", "UrbangeoAlgorithm"]
