"""`cchc run_tasks [--once]`: the background worker of CCHC_TASKS_MODE=worker."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from cchc.core.tasks import run_queued


class Command(BaseCommand):
    help = "Run queued background tasks (imports, documents); loops until stopped unless --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued now, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        while True:
            ran = run_queued()
            if once:
                self.stdout.write(f"{ran} task(s) run")
                return
            # A long-lived worker drops connections that broke or outlived CONN_MAX_AGE, as requests do.
            close_old_connections()
            if not ran:
                time.sleep(interval)
