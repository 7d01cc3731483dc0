"""Run the benchmarks on a fresh database (SQLite in a temporary folder unless DATABASE_URL is set).

python -m bench                 # every benchmark
python -m bench scoring         # only those named (agencies, dossiers, dossier_pages, scoring, reports, report_autosave,
                                # report_document, task_reminders, feeds, my_tasks)
"""

import os
import sys
import tempfile

NAMES = (
    "agencies",
    "dossiers",
    "dossier_pages",
    "scoring",
    "reports",
    "report_autosave",
    "report_document",
    "task_reminders",
    "feeds",
    "my_tasks",
)


def main() -> None:
    chosen = sys.argv[1:] or list(NAMES)
    unknown = set(chosen) - set(NAMES)
    if unknown:
        raise SystemExit(f"không có benchmark: {', '.join(sorted(unknown))} (có: {', '.join(NAMES)})")
    workdir = tempfile.mkdtemp(prefix="cchc-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings.development")
    os.environ["CCHC_DATA_DIR"] = workdir
    os.environ["CCHC_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; work folder: {workdir}")
    from importlib import import_module

    for name in NAMES:
        if name in chosen:
            import_module(f"bench.{name}").run(workdir)


if __name__ == "__main__":
    main()
