"""Permanence kiosk: the anonymous visit counter of a digital-help desk (core, no Kivy)."""

__version__ = "0.1.0"
