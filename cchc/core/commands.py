"""Base for the project's commands: Vietnamese messages, one-line errors, non-zero exit on bad input."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cchc.core.tabular import InputError


class CchcCommand(BaseCommand):
    """Runs ``run`` in the interface language; bad input becomes a one-line message and exit status 1."""

    def handle(self, *args: Any, **options: Any) -> Any:
        with translation.override(settings.LANGUAGE_CODE):
            try:
                return self.run(*args, **options)
            except InputError as exc:
                raise CommandError(exc.one_line()) from None

    def run(self, *args: Any, **options: Any) -> Any:
        raise NotImplementedError
