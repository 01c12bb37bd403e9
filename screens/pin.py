"""The mediator's PIN pad (reached by holding the top-left corner of Accueil or Fermé).

Wrong PINs are throttled by kiosk.pin.PinThrottle (kept in the data dir, so a restart does
not reset it; a try it cannot record is refused). The KDF is slow on a Pi: the check runs
on the app's worker thread.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from screens.widgets import KioskScreen

MAX_DIGITS = 12


def wait_words(tr, seconds: float) -> str:
    """"Attendez 30 secondes." / "Attendez 2 minutes." said by `tr` (the app's)."""
    seconds = int(seconds + 0.999)
    if seconds < 120:
        return tr("Attendez {n} secondes avant d'essayer encore.", n=seconds)
    return tr("Attendez {n} minutes avant d'essayer encore.", n=(seconds + 59) // 60)


class PinScreen(KioskScreen):
    digits = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)

    def reset(self) -> None:
        self.digits = ""
        self.message = ""
        if not self.kiosk.kiosk_config.mediator.pin_hash:
            self.message = self.kiosk.tr(
                "Aucun code n'est réglé. Réglez-le avec la commande « kiosk set-pin ».")

    def press_digit(self, digit: str) -> None:
        if not self.busy and len(self.digits) < MAX_DIGITS:
            self.digits += digit

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    def submit(self) -> None:
        stored = self.kiosk.kiosk_config.mediator.pin_hash
        if self.busy or not self.digits or not stored:
            return
        self.busy = True
        self.message = self.kiosk.tr("Vérification…")
        pin, throttle = self.digits, self.kiosk.pin_throttle

        def check():
            attempt = throttle.attempt(pin, stored)
            return attempt.outcome, attempt.wait_s

        self.kiosk.in_background(check, self._checked, self._failed)

    def _checked(self, result) -> None:
        outcome, wait = result
        self.busy = False
        self.digits = ""
        if outcome == "ok":
            self.message = ""
            self.kiosk.open_mediator()
        elif outcome == "wait":
            self.message = wait_words(self.kiosk.tr, wait)
        elif outcome == "unavailable":
            self.message = self.kiosk.tr(
                "La borne ne peut pas noter les essais (carte mémoire pleine ou protégée) : "
                "le code est refusé. Redémarrez la borne.")
        else:
            self.message = self.kiosk.tr("Ce code est faux.") + (
                " " + wait_words(self.kiosk.tr, wait) if wait else "")

    def _failed(self, _error) -> None:
        self.busy = False
        self.digits = ""
        self.message = self.kiosk.tr("Le code n'a pas pu être vérifié. Réessayez.")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
