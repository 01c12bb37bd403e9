"""Infos: the "i" button's screen: two choices, "Vos données" and "Le mandat"."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.widgets import KioskScreen


class InfosScreen(KioskScreen):
    pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
