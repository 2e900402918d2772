"""Accessibility over OpenStreetMap street networks (filled by the accessibility issues)."""

# --- street network (Accessibility I, network half)
from .network import MODES, Network, network_from_osm  # noqa: E402
