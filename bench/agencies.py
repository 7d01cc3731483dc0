"""Foundation benchmarks: agency import and the cost of scoping a listing.

References measured in the same run: reading the same CSV with Python's csv module (the floor any
import pays), and the same listing query without the scope condition.
"""

import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.agencies.services import COLUMNS, import_agencies_file
from cchc.core.demo import agency_rows

SCALE = 25  # 8 districts × 375 communes + 1,000 merged communes ≈ 4,000 agencies


def timed(func: Callable[[], Any], repeat: int = 1) -> float:
    """Median wall time in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(workdir: str) -> None:
    path = Path(workdir) / "agencies.csv"
    rows = agency_rows(SCALE)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)

    def read_only() -> None:
        with path.open(encoding="utf-8") as handle:
            {row["code"]: row for row in csv.DictReader(handle)}

    reference = timed(read_only, repeat=5)
    first = timed(lambda: import_agencies_file(path))
    again = timed(lambda: import_agencies_file(path))
    print(
        f"agency import, {len(rows):,} rows: first {first:.2f} s, again (unchanged) {again:.2f} s; "
        f"csv read alone {reference * 1000:.1f} ms (ratio {first / reference:.0f}×)"
    )

    coordinator = User.objects.create(username="bench-coordinator")
    district_coordinator = User.objects.create(username="bench-district")
    RoleGrant.objects.create(
        user=coordinator, role=Role.COORDINATOR, agency=Agency.objects.get(code="HA"), include_descendants=True
    )
    RoleGrant.objects.create(
        user=district_coordinator,
        role=Role.COORDINATOR,
        agency=Agency.objects.get(code="HVL"),
        include_descendants=True,
    )
    plain = timed(lambda: list(Agency.objects.all()), repeat=9)
    for label, user in (("province", coordinator), ("district", district_coordinator)):

        def scoped_list(pk: int = user.pk) -> None:
            # A fresh user object each time: grants are cached per user object, i.e. per request.
            list(Agency.objects.restrict(User.objects.get(pk=pk)))

        scoped = timed(scoped_list, repeat=9)
        count = Agency.objects.restrict(User.objects.get(pk=user.pk)).count()
        print(
            f"scoped agency list ({label} coordinator, {count:,} rows): {scoped * 1000:.1f} ms; "
            f"unscoped list of all {Agency.objects.count():,}: {plain * 1000:.1f} ms "
            f"(ratio {scoped / plain:.2f})"
        )
