"""The coordinator's French texts, in one place: report files, dashboard sentences, the API's
409. The templates (web/templates) hold their own page text; the API's other error lines are
English, for programs and logs. A wording changes here, never in the code that uses it."""

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


# --- report files
NO_DATA = "Aucune donnée reçue"
NO_DATA_QUARTER = "Aucune donnée reçue de cette commune pour ce trimestre."
NO_DATA_SHORT = "aucune donnée"
TO_COME = "à venir"
TOTAL = "Total"
CATEGORY, THEMATIQUE, CHANGE, MONTH, COMMUNE = (
    "Catégorie", "Thématique nationale", "Évolution", "Mois", "Commune")
#: `source`: "borne" (a kiosk's counts) or "saisie" (entered by hand, never in a kiosk total).
CSV_HEADER = ("trimestre", "commune", "catégorie", "thématique nationale", "nombre", "%",
              "source")
QUARTER_HEADER = (CATEGORY, THEMATIQUE, "Nombre", "%")
QUARTER_TITLE = "Tableau de suivi du public — {scope}"
QUARTER_SUBTITLE = "{label} ({quarter}), du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
ANNUAL_TITLE = "Bilan annuel quantitatif {year} — {scope}"
MONTHS_TITLE = "Visites par mois, {year} — {scope}"
COMMUNES_TITLE = "Visites par commune, {year}"
SHEET_SUMMARY, SHEET_MONTHS, SHEET_COMMUNES = "Synthèse", "Par mois", "Par commune"

# --- dashboard sentences (the pages' own text is in web/templates)
FORM_UNREADABLE = "Le formulaire envoyé est illisible."
FORM_EXPIRED = ("Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et "
                "recommencez.")
UNKNOWN_COMMUNE = "Aucune borne n'est enregistrée pour la commune « {commune} »."
UNKNOWN_KIOSK = "Cette borne n'existe pas."
KIOSK_REFUSED = "Borne refusée : {reason}."
PERIOD_REFUSED = "Période refusée : {reason}."
UNKNOWN_PERIOD_KIND = "« {kind} » n'est pas un type de période connu"
QUARTER_REFUSED = "Trimestre refusé : {reason}."
BAD_YEAR = "« {text} » n'est pas une année entre 2000 et 2999."
BAD_THRESHOLD = "Le seuil de masquage doit être un nombre entier entre 2 et 100."
BAD_FORMAT = "Le format doit être CSV ou XLSX."
TOO_MANY_TRIES = "Trop d'essais : attendez {seconds} secondes avant de réessayer."
BAD_LOGIN = "Identifiant ou mot de passe incorrect."
NEVER_CONTACTED = "jamais contactée"
STALE = "aucun contact depuis plus de {days} jours"
CLOCK_UNTRUSTED = "horloge non fiable"
CLOCK_OFF = "horloge décalée de plus de 10 minutes"
INSTALLS_FULL = "{n} installations : une nouvelle sera refusée avant réinitialisation"
ADMIN_ONLY = "Cette page est réservée aux administrateurs du réseau."
NOT_YOUR_COMMUNE = "Votre compte montre les chiffres de la commune « {commune} » seulement."
ROLE_LABELS = {
    "admin": "administrateur",
    "reader": "lecteur, toutes les communes",
    "commune": "lecteur, commune de {commune}",
}
NEVER = "jamais"
AROUND_HOUR = "{moment:%d/%m/%Y} vers {moment:%H} h"

#: 409 answer to a 4th install id: the mediator reads it on the kiosk, the coordinator too.
TOO_MANY_INSTALLS = (
    "Cette borne a déjà envoyé depuis {n} installations : le coordinateur doit la "
    "réinitialiser avant d'accepter la nouvelle. / This kiosk token already has {n} install "
    "ids: nothing was filed until the coordinator resets the kiosk."
)

# --- "Évolution": why a change against last year is not given (reports/evolution.py)
EVOLUTION_MONTH_RUNNING = "mois en cours"
EVOLUTION_NO_DATA_IN = "aucune donnée en {year}"
EVOLUTION_STARTS = "{year} commence en {month}"
EVOLUTION_YEAR_RUNNING = "{year} en cours (données au {day:%d/%m/%Y})"
EVOLUTION_COVERAGE = "jours reçus différents ({cur} contre {prev})"
EVOLUTION_COVERAGE_MONTHS = "jours reçus trop différents certains mois"
EVOLUTION_HIDDEN = "nombre masqué"
EVOLUTION_ZERO = "aucune visite en {year}"
EVOLUTION_REASON = "Pourquoi pas d'évolution"

# --- expected days and silent kiosks (reports/expected.py, the statistics page)
DATA_AS_OF = "données au {day:%d/%m/%Y}"
HOURS_UNKNOWN = "horaires inconnus"
SILENT = ("{kiosk} : {days} jours d'ouverture de suite sans données, "
          "du {first:%d/%m/%Y} au {last:%d/%m/%Y}")
SILENT_NO_HOURS = ("{kiosk} : {days} jours de suite sans données, "
                   "du {first:%d/%m/%Y} au {last:%d/%m/%Y} (horaires inconnus)")
