"""Envoyer sans réseau: the unsent days as QR codes, one at a time, for the mediator's phone.

Each code is self-contained (sync/transfer.py), so the mediator scans them in any order;
the phone opens the coordinator's page and its "Envoyer" button files the days. Nothing
is marked sent here: the next online push sends the days again and counts them once.
The token file and the store are read on the app's worker thread.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from screens.widgets import KioskScreen


def make_codes(config, store, catalogue_version: str) -> tuple[list[str], list, str]:
    """The QR texts, for each its days, and the same days as a transfer file's text
    (`kiosk transfer --out`), on the worker thread. SyncError: no token."""
    from sync import transfer

    if not config.coordinator.enabled:
        return [], [], ""
    token = transfer.kiosk_token(config)
    source, days, _refused = transfer.from_store(store, token, catalogue_version)
    texts = transfer.qr_texts(source, days, config.coordinator.url)
    key = source.key
    file_text = transfer.file_text(transfer.file_payloads_for(source, days)) if days else ""
    return (texts, [transfer.open_payload(t.rsplit("/", 1)[1], key).days for t in texts],
            file_text)


def write_transfer_file(config, text: str, first, last) -> tuple[Path, bool]:
    """The transfer file on the USB stick (else in the data dir), on the worker thread;
    the coordinator imports it (dashboard or `kiosk-coordinator import`)."""
    from screens.mediateur import export_folder

    folder, on_stick = export_folder(config.kiosk.export_dirs, config.kiosk.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"permanence-transfert-{first}-{last}.txt"
    path.write_text(text, encoding="ascii")
    return path, on_stick


class TransfertScreen(KioskScreen):
    index = NumericProperty(0)
    count = NumericProperty(0)
    qr = ObjectProperty(None, allownone=True)
    message = StringProperty("")
    days_text = StringProperty("")
    file_message = StringProperty("")
    busy = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.busy, self.count, self.index, self.qr = True, 0, 0, None
        self.message = self.kiosk.tr("Préparation des codes…")
        self.days_text = self.file_message = ""
        kiosk = self.kiosk
        self.kiosk.in_background(
            lambda: make_codes(kiosk.kiosk_config, kiosk.store, kiosk.catalogue.version),
            self._made, self._failed)

    def _made(self, result) -> None:
        self._texts, self._days, self._file_text = result
        self.busy = False
        self.count = len(self._texts)
        if not self.kiosk.kiosk_config.coordinator.enabled:
            self.message = self.kiosk.tr("Aucun serveur de coordination n'est configuré.")
        elif not self._texts:
            self.message = self.kiosk.tr("Rien à envoyer : tout est déjà parti.")
        else:
            self.message = self.kiosk.tr("Visez ce carré avec votre téléphone. "
                                         "Sur le téléphone, touchez « Envoyer ».")
            self._show()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.message = self.kiosk.tr("Erreur : {error}", error=error)

    def _show(self) -> None:
        from screens.qr import qr_texture

        self.qr = qr_texture(self._texts[self.index])
        days = self._days[self.index]
        self.days_text = self.kiosk.tr("{n} jours, du {first} au {last}", n=len(days),
                                       first=days[0].day, last=days[-1].day)

    def turn(self, step: int) -> None:
        if self.count and 0 <= self.index + step < self.count:
            self.index += step
            self._show()

    def write_file(self) -> None:
        """All the codes' days as one file on the USB stick, for the coordinator."""
        if not self.count or self.busy:
            return
        config, text = self.kiosk.kiosk_config, self._file_text
        first, last = self._days[0][0].day, self._days[-1][-1].day
        self.busy = True
        self.file_message = self.kiosk.tr("Écriture du fichier…")
        self.kiosk.in_background(lambda: write_transfer_file(config, text, first, last),
                                 self._written, self._failed)

    def _written(self, result) -> None:
        from screens.mediateur import written_where

        self.busy = False
        self.file_message = written_where(self.kiosk.tr, *result)

    def text(self) -> str:
        """The QR text shown now (for tests and logs; it holds no token)."""
        return self._texts[self.index] if self.count else ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
