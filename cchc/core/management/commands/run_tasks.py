"""`cchc run_tasks [--batch]`: the background worker, django-tasks-db's `db_worker` that also fails dead tasks.

Beside running queued tasks (every option of `db_worker` applies), it fails the tasks whose worker
died (cchc.core.tasks.found_dead): once as it starts, then from a thread while it runs; and, unless
``--batch``, it queues the periodic jobs (cchc.core.periodic: the reports' reminders) from another.
"""

import threading
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from cchc.core.periodic import run_forever
from cchc.core.tasks import fail_dead, sweep_forever


class Command(DatabaseWorker):
    help = "Run queued background tasks (imports, documents, reminders) and fail those whose worker died; --batch: then exit."

    def handle(self, *args: Any, **options: Any) -> None:
        fail_dead()
        if not options["batch"]:
            threading.Thread(target=sweep_forever, args=(threading.Event(),), name="cchc-sweep", daemon=True).start()
            threading.Thread(target=run_forever, args=(threading.Event(),), name="cchc-periodic", daemon=True).start()
        super().handle(*args, **options)
