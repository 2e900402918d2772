"""urbangeo's Processing algorithms, one module per domain wing."""

from __future__ import annotations

from . import accessibility
from ._base import GROUPS, UrbangeoAlgorithm

ALGORITHMS: list[type[UrbangeoAlgorithm]] = [*accessibility.ALGORITHMS]

__all__ = ["ALGORITHMS", "GROUPS", "UrbangeoAlgorithm"]
