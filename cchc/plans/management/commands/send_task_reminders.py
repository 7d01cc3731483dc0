"""`cchc send_task_reminders [--today D]`: one run of the plan tasks' reminders (cchc/plans/reminders.py).

The background worker (`cchc run_tasks`) queues the same run every CCHC_PERIODIC_EVERY seconds; a
repeated run sends nothing twice, so this command can also be run by hand or by cron.
"""

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError, parse_date
from cchc.plans.reminders import send_task_reminders


class Command(CchcCommand):
    help = "Send the reminders of open plan tasks that are due (each once); --today: as if on that day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", default="", help="the day of the run (yyyy-mm-dd or dd/mm/yyyy); default today")

    def run(self, *args: Any, **options: Any) -> None:
        today = parse_date(options["today"], None, "--today") if options["today"] else timezone.localdate()
        if today is None:
            raise InputError(_("%(option)s needs a date") % {"option": "--today"})
        counts = send_task_reminders(today)
        self.stdout.write(_("%(tasks)s open tasks on a reminder step; %(made)s notifications sent.") % counts)
