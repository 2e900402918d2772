"""Collective-to-state land conversion, contiguous blocks and land-use change (filled by its issue)."""
