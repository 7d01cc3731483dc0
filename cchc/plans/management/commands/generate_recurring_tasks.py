"""`cchc generate_recurring_tasks --year Y`: the occurrences of every recurring task of the year's plans.

Idempotent: an occurrence that exists is left alone (an open one follows its period's new deadline), so
the command can run any number of times; the background worker runs it too (job ``plans.recurring``).
"""

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.plans.services import TaskError, generate_recurring_tasks


class Command(CchcCommand):
    help = "Generate the occurrences of the recurring tasks of a year's plans (nothing twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="year of the plans (default: this year)")

    def run(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        try:
            counts = generate_recurring_tasks(year, user=SYSTEM)  # no person asks: the whole province
        except TaskError as exc:
            raise InputError(str(exc)) from None
        self.stdout.write(_("%(series)s recurring tasks; %(made)s occurrences made.") % counts)
