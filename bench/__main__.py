"""Run every benchmark on a fresh database (SQLite in a temporary folder unless DATABASE_URL is set)."""

import os
import tempfile


def main() -> None:
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
    from bench import agencies

    agencies.run(workdir)
    from bench import dossiers

    dossiers.run(workdir)
    from bench import scoring

    scoring.run(workdir)


if __name__ == "__main__":
    main()
