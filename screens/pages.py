"""Pages in plain language (FALC): one idea per page, a pictogram, Avant/Suite buttons.

The base of "Vos données", "Le mandat" and "La permanence"; a subclass lists its pages in
`pages()`. A page may add short lines under its text (a timetable), one of them marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from screens.widgets import KioskScreen, KText


@dataclass(frozen=True)
class Line:
    """One short line under a page's text; `marked` draws it on a light band (today)."""

    text: str
    marked: bool = False


@dataclass(frozen=True)
class Page:
    icon: str
    title: str
    body: str
    qr_url: str | None = None  # a page with a QR code to the full text ("" = no URL set)
    lines: tuple[Line, ...] = ()

    def texts(self) -> list[str]:
        """What the page says, top first (read aloud by its speaker button)."""
        return [self.title, self.body, *(line.text for line in self.lines)]


class PageLine(KText):
    """A line of `Page.lines` on screen; `marked` is what a test reads for "today"."""

    marked = BooleanProperty(False)


class PagesScreen(KioskScreen):
    index = NumericProperty(0)
    count = NumericProperty(1)
    icon = StringProperty("")
    title = StringProperty("")
    body = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    has_qr = BooleanProperty(False)

    def pages(self) -> list[Page]:
        """The pages, said in the app's language (`self.kiosk.tr`)."""
        raise NotImplementedError

    def spoken_texts(self) -> list[str]:
        return self.pages()[self.index].texts() if self.title else []

    def on_kv_post(self, _base):
        self.kiosk.bind(lang=self._show)

    def page_lines(self) -> list[PageLine]:
        """The lines shown under the current page's text, top first."""
        return list(reversed(self.ids.lines.children))

    def first_page(self) -> None:
        self.index = 0
        self._show()

    def next_page(self) -> None:
        if self.index < self.count - 1:
            self.index += 1
            self._show()

    def forward(self) -> None:
        """"Suite", or "Fini" on the last page (back home)."""
        if self.index < self.count - 1:
            self.next_page()
        else:
            self.kiosk.go_home()

    def previous_page(self) -> None:
        if self.index > 0:
            self.index -= 1
            self._show()

    def _show(self, *_args) -> None:
        pages = self.pages()
        self.count = len(pages)
        self.index = min(self.index, self.count - 1)
        page = pages[self.index]
        self.icon, self.title, self.body = page.icon, page.title, page.body
        box = self.ids.lines
        box.clear_widgets()
        for line in page.lines:
            box.add_widget(PageLine(text=line.text, marked=line.marked))
        self.has_qr = bool(page.qr_url)
        if page.qr_url:
            from screens.qr import qr_texture

            self.qr = qr_texture(page.qr_url)
        else:
            self.qr = None


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
