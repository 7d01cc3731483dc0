"""`cchc import_dossiers FILE [--profile NAME] [--source NAME] [--skip-bad-rows]`: dossier records (DESIGN §8.2).

Idempotent on (source, dossier_code); one transaction; bad rows refuse the file unless --skip-bad-rows.
"""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.dossiers.profiles import PROFILES
from cchc.dossiers.services import import_dossiers_file


class Command(CchcCommand):
    help = "Import dossier records from the one-stop-shop software's export (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--profile", default="canonical", help=f"column mapping: {', '.join(PROFILES)}")
        parser.add_argument(
            "--source", default="", help="the one-stop-shop system the file comes from (default: CCHC_DOSSIER_SOURCE)"
        )
        parser.add_argument("--skip-bad-rows", action="store_true", help="import the good rows, report the bad")

    def run(self, *args: Any, file: str, profile: str, source: str, skip_bad_rows: bool, **options: Any) -> None:
        try:
            summary = import_dossiers_file(file, profile=profile, skip_bad_rows=skip_bad_rows, source_system=source)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        for problem in summary.problems:
            self.stderr.write(_("Skipped: %(problem)s") % {"problem": problem})
        self.stdout.write(_("Dossiers imported: %(summary)s.") % {"summary": summary})
