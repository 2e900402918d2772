"""urbangeo's Processing algorithms, one module per domain wing."""

from __future__ import annotations

from ._base import GROUPS, UrbangeoAlgorithm

ALGORITHMS: list[type[UrbangeoAlgorithm]] = []

__all__ = ["ALGORITHMS", "GROUPS", "UrbangeoAlgorithm"]
