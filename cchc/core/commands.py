"""Base for the project's commands: Vietnamese messages, one-line errors, non-zero exit on bad input."""

import sys
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.core.tabular import InputError, parse_date


class CchcCommand(BaseCommand):
    """Runs ``run`` in the interface language. Bad input (``InputError``) or a refusal
    (``CommandError``: nothing in the year asked for, a missing file…) is one line on standard error,
    in Vietnamese and without a traceback, and the exit status is non-zero (1 unless the error says).

    Called from code (``call_command``), the ``CommandError`` is raised as Django does.
    """

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            with translation.override(settings.LANGUAGE_CODE):
                # Django would print "CommandError: …"; a person reads "Lỗi: …" on one line.
                self.stderr.write(_("Error: %(message)s") % {"message": " ".join(str(exc).split())})
            sys.exit(exc.returncode)

    def handle(self, *args: Any, **options: Any) -> Any:
        with translation.override(settings.LANGUAGE_CODE):
            try:
                return self.run(*args, **options)
            except InputError as exc:
                raise CommandError(exc.one_line()) from None

    def run(self, *args: Any, **options: Any) -> Any:
        raise NotImplementedError


def text_table(header: str, table: list[list[str]]) -> str:
    """A statistics command's table as text: the header, then the rows (the first one the column
    names, underlined); the first column left-aligned, the figures right-aligned."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [header, ""]
    for i, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def required_date(text: str, option: str) -> date:
    """The date an option gives (ISO or dd/mm/yyyy); bad or empty input names the option."""
    day = parse_date(text, None, option)
    if day is None:
        raise InputError(_("%(option)s needs a date") % {"option": option})
    return day
