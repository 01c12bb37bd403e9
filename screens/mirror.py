"""MirrorBox: a BoxLayout whose row reads right to left when `mirrored` (Arabic).

Kivy 2.3's BoxLayout only lays rows out left to right, and reordering children would
depend on when kv sets the property. Here the row is laid out as usual, then each child's
place is mirrored inside the box: icon and words of a button, "Avant"/"Suite", the top bar.
A vertical box is never mirrored.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout


class MirrorBox(BoxLayout):
    mirrored = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fbind("mirrored", self._trigger_layout)

    def do_layout(self, *largs):
        super().do_layout(*largs)
        if self.mirrored and self.orientation == "horizontal":
            for child in self.children:
                child.x = 2 * self.x + self.width - child.x - child.width
