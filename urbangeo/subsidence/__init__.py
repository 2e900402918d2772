"""Subsidence prediction, observed subsidence and restoration zoning (filled by its issue)."""
