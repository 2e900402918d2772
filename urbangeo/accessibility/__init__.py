"""Accessibility over OpenStreetMap street networks (filled by the accessibility issues)."""
