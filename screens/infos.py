"""Infos: the "i" button's screen: two choices, "Vos données" and "Le mandat"."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.widgets import KioskScreen


class InfosScreen(KioskScreen):
    def spoken_texts(self) -> list[str]:
        ids = self.ids
        return [ids.title.text, ids.data.label, ids.data.examples, ids.mandate.label,
                ids.mandate.examples]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
