"""`cchc purge_survey_hashes`: clear the client hashes older than CCHC_SURVEY_HASH_DAYS (docs/surveys-public.md).

The background worker (`cchc run_tasks`) runs the same purge as the periodic job ``surveys.purge_hashes``;
a repeated run clears nothing more, so the command can also be run by hand or by cron.
"""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.surveys.checks import purge_client_hashes


class Command(CchcCommand):
    help = "Clear the salted client hashes of survey answers older than CCHC_SURVEY_HASH_DAYS days."

    def run(self, *args: Any, **options: Any) -> None:
        cleared = purge_client_hashes()
        days = settings.CCHC_SURVEY_HASH_DAYS
        self.stdout.write(
            _("%(count)s survey answers older than %(days)s days no longer keep a client hash.")
            % {"count": cleared, "days": days}
        )
