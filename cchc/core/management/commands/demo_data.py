"""`cchc demo_data [--scale N] [--if-empty]`: a fictional province to try and test the system."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency
from cchc.core.commands import CchcCommand
from cchc.core.demo import DEMO_PASSWORD, build_demo, demo_logins, demo_story
from cchc.core.formatting import format_number

# What the summary line calls each count build_demo returns (its keys are the code's names).
COUNTED = {
    "agencies": gettext_lazy("agencies"),
    "blocks": gettext_lazy("blocks"),
    "users": gettext_lazy("user accounts"),
    "procedures": gettext_lazy("procedures"),
    "dossiers": gettext_lazy("dossiers"),
    "survey forms": gettext_lazy("satisfaction survey forms"),
    "paper batches": gettext_lazy("batches of paper survey forms"),
    "survey counters": gettext_lazy("service counters with a survey QR code"),
    "PAR frameworks": gettext_lazy("PAR index frameworks"),
    "PAR assessments": gettext_lazy("PAR index assessments"),
    "plan tasks": gettext_lazy("tasks of PAR plans"),
    "task progress updates and parts": gettext_lazy("progress updates and co-agency parts of tasks"),
    "recurring task occurrences": gettext_lazy("occurrences of recurring tasks"),
    "periodic reports": gettext_lazy("periodic reports"),
    "provincial index results": gettext_lazy("results of the provincial indices"),
    "directives": gettext_lazy("directives of conclusion notices"),
    "findings": gettext_lazy("inspection findings"),
}


def summary(counts: dict[str, Any]) -> str:
    """ "Đã nạp tỉnh mẫu: 201 cơ quan, đơn vị; 30.000 hồ sơ; …", numbers written the Vietnamese way."""
    parts = [f"{format_number(n)} {COUNTED.get(key, key)}" for key, n in counts.items()]
    return _("Demo province loaded: %(counts)s.") % {"counts": "; ".join(parts)}


class Command(CchcCommand):
    help = "Create the fictional demo province with its agencies, blocks and a user for every role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="multiply the communes (default 1: 120)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when agencies already exist")

    def run(self, *args: Any, scale: int, if_empty: bool, **options: Any) -> None:
        if scale < 1:
            self.stderr.write(_("--scale must be at least 1"))
            raise SystemExit(2)
        if if_empty and Agency.objects.exists():
            self.stdout.write(_("The database already holds data; the demo province is not loaded again."))
        else:
            self.stdout.write(summary(build_demo(scale=scale)))
        self.stdout.write("")
        for line in demo_story():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (shared password: %(password)s):") % {"password": DEMO_PASSWORD})
        for username, description in demo_logins():
            self.stdout.write(f"  {username:<16} {description}")
