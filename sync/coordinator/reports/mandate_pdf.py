"""The printable mandate ("je fais à votre place"), with the commune's name filled in.

Issue 12: the kiosk's mandate pages end on a QR code to the full text; a commune that has
no page of its own gets this one, served by the coordinator (`GET /mandat.pdf`). Our own
plain French, written from the facts of the convention's annex 3 (the example mandate and
its data notice), article 4.2 (recommended, no legal guarantee, the commune answers for the
service) and article 3.2 (minors); it says nothing those texts do not. Blanks are left for
the visitor's and the helper's names, the procedures, the place, the date and signatures.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from fpdf.enums import XPos, YPos

from .pdfdoc import FONT, RULE, Document

MAX_COMMUNE = 60
BLANK = "_" * 38

_CLAUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1. Les démarches", (
        "La personne qui aide fait en mon nom les démarches ci-dessous, et seulement "
        "celles-là. On les écrit toutes :",
    )),
    ("2. Mes informations personnelles", (
        "Elle prend et garde seulement les informations vraiment utiles pour ces démarches.",
        "Elle s'en sert seulement pour ces démarches. Pour une autre démarche, elle me le dit "
        "d'abord et me demande mon accord.",
        "Elle met à jour mes informations, puis les efface quand elles ne servent plus.",
    )),
    ("3. Je suis informé(e)", (
        "Elle m'explique mes droits sur mes informations (articles 13 à 22 du RGPD), "
        "en particulier : je peux retirer mon accord à tout moment.",
        "Elle me l'explique de façon courte, claire et facile à retrouver (article 12 du RGPD).",
        "Elle me dit souvent tout ce qu'elle fait à ma place. Par exemple : une information "
        "mise à jour, un courriel envoyé à ma caisse de retraite (CNAV).",
    )),
    ("4. Le secret", (
        "Elle ne donne mes informations à personne, sauf si une démarche l'exige. Pas même à "
        "une ou un collègue.",
        "Elle range mes informations en sécurité, sur papier comme sur ordinateur.",
    )),
    ("5. La durée", (
        "Le mandat dure le temps des démarches. Il s'arrête quand elles sont faites.",
        "Je peux l'arrêter à tout moment. La personne qui aide peut l'arrêter aussi.",
    )),
    ("6. Les responsabilités", (
        "Tant qu'elle est chargée du mandat, la personne qui aide doit le faire. Si elle ne "
        "le fait pas, elle répond des dommages (article 1991 du Code civil).",
        "La commune est responsable du service rendu à la permanence. En cas d'erreur ou de "
        "faute, c'est la commune qui en répond, pas la personne médiatrice.",
    )),
)

_EXAMPLES = ("Par exemple : créer une adresse de courriel ; noter son identifiant et son "
             "mot de passe ; créer mon compte sur le site de la retraite (CNAV) et noter ses "
             "codes ; faire mes démarches en ligne de la CNAV ; effacer ou corriger mes "
             "informations quand elles ne sont plus justes.")

_NOTICE = (
    "Ce que le mandat garde : les noms, les prénoms et la liste des démarches. Il sert à "
    "montrer que vous avez demandé l'aide et donné votre accord. Base légale : une "
    "obligation légale. Durée : le temps des démarches, puis un archivage éventuel pendant "
    "les durées prévues par la loi. Qui le reçoit : seulement le service concerné de la "
    "commune. Vos droits : voir vos informations, les faire corriger, vous opposer à leur "
    "usage, le limiter (loi Informatique et Libertés, RGPD). Pour en savoir plus, "
    "contactez la personne référente de la commune : "
)


class CommuneError(ValueError):
    """A commune name that cannot fill the form; str() is one French sentence."""


def clean_commune(raw: str | None) -> str:
    """The commune name as printed: letters, spaces, - ' ’ . only, at most MAX_COMMUNE."""
    text = unicodedata.normalize("NFC", (raw or "").strip())
    if len(text) > MAX_COMMUNE:
        raise CommuneError(f"Le nom de la commune est trop long (au plus {MAX_COMMUNE} "
                           "caractères).")
    for ch in text:
        if not (unicodedata.category(ch).startswith("L") or ch in " -'’."):
            raise CommuneError("Le nom de la commune ne peut contenir que des lettres, des "
                               "espaces, des tirets, des apostrophes et des points.")
    return " ".join(text.split())


@lru_cache(maxsize=128)
def mandate_pdf(commune: str = "") -> bytes:
    """The mandate as PDF bytes; `commune` ("" leaves a blank) must come from clean_commune.

    Cached: the text depends on the commune alone, and the communes of a network are few.
    """
    where = commune or BLANK
    doc = Document("Mandat « je fais à votre place »",
                   "Mandat « je fais à votre place » — Réseau Réussite Numérique", None)
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.title_block("Mandat « je fais à votre place »",
                    f"Utilisation de vos données personnelles — Commune de {where}")
    doc.set_fill_color(238, 243, 248)
    doc.set_font(FONT, size=10)
    doc.multi_cell(0, 5, (
        "Ce papier est conseillé, il n'est pas obligatoire. Il sert surtout à vous informer : "
        "ce n'est pas une garantie devant la justice en cas de litige. Il concerne seulement "
        "vos informations personnelles quand on vous aide au numérique, pas toute l'aide. "
        "Une personne de moins de 18 ans est reçue seulement avec l'accord de ses parents "
        "ou de son représentant légal."), fill=True, padding=2, align="L",
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    doc.paragraph(
        f"Je soussigné(e), Madame ou Monsieur {BLANK} (la personne aidée), autorise Madame "
        f"ou Monsieur {BLANK} (la personne qui aide), qui travaille pour la commune de "
        f"{where}, à faire en mon nom mes démarches sur internet (articles 1984 et suivants "
        "du Code civil).", height=6.5)
    for title, sentences in _CLAUSES:
        doc.heading(title, need_mm=28)
        for sentence in sentences:
            doc.paragraph(sentence, size=10.5, height=5.2)
        if title.startswith("1."):
            for _ in range(4):
                doc.ln(6.5)
                doc.line(doc.l_margin, doc.get_y(), doc.l_margin + doc.epw, doc.get_y())
            doc.ln(2)
            doc.paragraph(_EXAMPLES, size=9, height=4.6)
    _signatures(doc, commune)
    doc.ln(4)
    doc.heading("Vos données", need_mm=35)
    doc.paragraph(_NOTICE + BLANK, size=9, height=4.6)
    return doc.output_bytes()


def _signatures(doc: Document, commune: str) -> None:
    doc.heading("7. Signatures", need_mm=55)
    place = f"{commune}" if commune else BLANK
    doc.paragraph(f"Fait à {place}, le ____ / ____ / ________", height=7)
    doc.ln(2)
    y, half = doc.get_y(), (doc.epw - 8) / 2
    doc.set_draw_color(*RULE)
    for i, who in enumerate(("La personne aidée", "La personne qui aide")):
        x = doc.l_margin + i * (half + 8)
        doc.rect(x, y, half, 34)
        doc.set_xy(x + 2, y + 2)
        doc.set_font(FONT, "B", 10)
        doc.cell(half - 4, 5, who)
        doc.set_xy(x + 2, y + 9)
        doc.set_font(FONT, size=9)
        doc.cell(half - 4, 5, "Nom et prénom :")
        doc.set_xy(x + 2, y + 17)
        doc.cell(half - 4, 5, "Signature :")
    doc.set_xy(doc.l_margin, y + 36)
    doc.set_font(FONT, size=11)
