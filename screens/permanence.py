"""La permanence: this desk's own facts from annex 1 of the convention, one per page.

Where it is, the weekly timetable (today's line marked, "today" read from the app's clock
so tests can choose the day), the appointment rule and how to book, the help given alone
and in groups, what "Autre" covers here, the equipment. Everything comes from the config's
[permanence] table; a fact left empty drops its page, except the timetable and the
appointment rule, which always say something a visitor can act on.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from kiosk.i18n import WEEKDAYS, format_time
from screens.pages import Line, Page, PagesScreen


class PermanenceScreen(PagesScreen):
    def pages(self) -> list[Page]:
        permanence = self.kiosk.kiosk_config.permanence
        tr = self.kiosk.tr
        pages = []
        where = "\n".join(p for p in (permanence.place, permanence.address) if p)
        if where:
            pages.append(Page("map-marker", tr("Où sommes-nous ?"), where))
        pages.append(self._timetable())
        pages.append(self._appointment())
        pages.append(Page("hand-heart", tr("Une aide pour vous seul"),
                          tr("Une personne vous aide, seule avec vous. "
                             "Tout habitant est reçu. C'est gratuit.")))
        if permanence.workshops:
            pages.append(Page("account-group", tr("Des ateliers en groupe"),
                              tr("Ici, on apprend aussi en groupe :") + "\n"
                              + permanence.workshops))
        if "autre" in permanence.categories:
            pages.append(Page("help-circle-outline", tr("« Autre chose » ici"),
                              permanence.other_help or
                              tr("Une autre question sur le numérique ? "
                                 "Demandez à la personne qui vous aide.")))
        if permanence.equipment:
            pages.append(Page("monitor", tr("Le matériel pour vous"),
                              tr("Ici, vous pouvez utiliser :"),
                              lines=tuple(Line(item) for item in permanence.equipment)))
        return pages

    def _timetable(self) -> Page:
        """The open weekdays, plus today when it is closed; today's line is marked."""
        app = self.kiosk
        permanence = app.kiosk_config.permanence
        tr = app.tr
        if not permanence.hours:
            return Page("calendar-clock", tr("Les horaires"),
                        tr("Les horaires ne sont pas écrits ici. "
                           "Demandez-les à l'accueil."))
        today = app.now().date()
        lines = []
        for weekday in range(7):
            slots = permanence.hours.get(weekday, ())
            is_today = weekday == today.weekday()
            if is_today and (not slots or today in permanence.closed_dates):
                when = tr("fermé aujourd'hui")
            elif slots:
                when = self._slots(slots)
            else:
                continue
            day = tr(WEEKDAYS[weekday])
            lines.append(Line(tr("{day} : {hours}", day=day[:1].upper() + day[1:],
                                 hours=when), marked=is_today))
        return Page("calendar-clock", tr("Les horaires"),
                    tr("Aujourd'hui est en jaune."), lines=tuple(lines))

    def _slots(self, slots) -> str:
        """"de 9 h 00 à 12 h 00 et de 14 h 00 à 17 h 00"."""
        app = self.kiosk
        said = [app.tr("de {start} à {end}", start=self._time(s.start),
                       end=self._time(s.end)) for s in slots]
        if len(said) == 1:
            return said[0]
        return app.tr("{first} et {last}", first=", ".join(said[:-1]), last=said[-1])

    def _time(self, moment) -> str:
        """"9 h 00" with no-break spaces: a time is never cut across two lines."""
        return format_time(moment, self.kiosk.lang).replace(" ", "\u00a0")

    def _appointment(self) -> Page:
        """The appointment rule, then how to book and the phone (annex 1 §3)."""
        permanence = self.kiosk.kiosk_config.permanence
        tr = self.kiosk.tr
        if permanence.by_appointment:
            title, rule = tr("Sur rendez-vous"), tr("Prenez rendez-vous avant de venir.")
        else:
            title, rule = tr("Sans rendez-vous"), tr("Venez aux horaires d'ouverture.")
        lines = [rule]
        if permanence.booking:
            lines.append(tr("Pour vous inscrire : {how}", how=permanence.booking))
        if permanence.phone:
            lines.append(tr("Téléphone : {phone}", phone=permanence.phone))
        if permanence.by_appointment and len(lines) == 1:
            lines.append(tr("Demandez comment à l'accueil."))
        return Page("calendar-check", title, "\n".join(lines))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
