"""The coordinator's French texts, in one place (the dashboard templates hold their own page
text). The API's error lines are English for programs, with French where a person reads them
on the kiosk's mediator view."""

from __future__ import annotations

#: The label of the network's total row; the row itself is keyed by reports.NETWORK, which
#: no commune name can equal.
NETWORK_LABEL = "Réseau (toutes les communes)"
NETWORK_SHEET = "Réseau"

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

#: The usual mark of "secret statistique" in French public tables.
SECONDARY_MARK = "s"


def quarter_label(year: int, quarter: int) -> str:
    return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {year}"


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def year_label(year: int) -> str:
    return f"année {year}"


def range_label(start, end) -> str:
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def suppression_note(threshold: int) -> str:
    return (
        f"« < {threshold} » : moins de {threshold} visites, masqué pour protéger l'anonymat ; "
        f"« {SECONDARY_MARK} » : masqué pour qu'un total ne permette pas de le retrouver."
    )


NO_DATA = "Aucune donnée reçue"
NO_DATA_QUARTER = "Aucune donnée reçue de cette commune pour ce trimestre."
TOTAL = "Total"

#: 409 answer to a 4th install id: the mediator reads it on the kiosk, the coordinator too.
TOO_MANY_INSTALLS = (
    "Cette borne a déjà envoyé depuis {n} installations : le coordinateur doit la "
    "réinitialiser avant d'accepter la nouvelle. / This kiosk token already has {n} install "
    "ids: nothing was filed until the coordinator resets the kiosk."
)
