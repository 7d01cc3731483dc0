"""`cchc default_questionnaire --year Y [--target 0.87]`: the shipped questionnaire for a year that has none."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.surveys.models import Questionnaire
from cchc.surveys.questionnaires import default_questionnaire


class Command(CchcCommand):
    help = "Create the year's questionnaire with the shipped questions (nothing changes if the year has one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--target", default="", help="the plan's satisfaction target, a fraction (0.87)")

    def run(self, *args: Any, year: int, target: str, **options: Any) -> None:
        try:
            goal = Decimal(target.replace(",", ".")) if target else None
        except InvalidOperation:
            raise InputError(_("“%(value)s” is not a number") % {"value": target}, field="--target") from None
        if goal is not None and not 0 <= goal <= 1:
            raise InputError(_("the target is a fraction between 0 and 1 (0.87)"), field="--target")
        existed = Questionnaire.objects.filter(year=year).exists()
        questionnaire = default_questionnaire(year, target=goal)
        count = questionnaire.questions.count()
        if existed:
            self.stdout.write(
                _("The questionnaire of %(year)s exists already (%(count)s questions): unchanged.")
                % {"year": year, "count": count}
            )
        else:
            self.stdout.write(
                _("Questionnaire of %(year)s created with %(count)s questions.") % {"year": year, "count": count}
            )
