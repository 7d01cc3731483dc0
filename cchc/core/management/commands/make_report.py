"""`cchc make_report KIND --period P [--agency CODE] [--block CODE] [--approved-only] --out FILE`.

KIND ``ranking``: the ranking report (Báo cáo Chỉ số và xếp hạng CCHC) of a year, for one block or for
every block the issuing agency (``--agency``, the province by default) owns; DOCX, or PDF when FILE
ends in ``.pdf``. The periodic reports (``agency``, ``province``) come with the reports module.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block
from cchc.core.commands import CchcCommand
from cchc.core.documents import docx_to_pdf
from cchc.core.tabular import InputError

PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H1|9M))?$")


class Command(CchcCommand):
    help = "Write an official document (DOCX or PDF): KIND is ranking (agency and province come with reports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["agency", "province", "ranking"])
        parser.add_argument("--period", required=True, help="2025, 2025-Q1, 2025-H1 or 2025-9M")
        parser.add_argument("--agency", default="", help="agency code (the issuing agency of a ranking report)")
        parser.add_argument("--block", default="", help="block code (ranking: that block only)")
        parser.add_argument("--approved-only", action="store_true", help="leave out results not yet approved")
        parser.add_argument("--out", required=True, help="file to write (.docx or .pdf)")

    def run(self, *args: Any, kind: str, period: str, out: str, **options: Any) -> None:
        match = PERIOD.match(period.strip())
        if match is None:
            raise InputError(_("period “%(period)s”: write 2025, 2025-Q1, 2025-H1 or 2025-9M") % {"period": period})
        path = Path(out)
        if path.suffix.lower() not in (".docx", ".pdf"):
            raise InputError(_("--out must end in .docx or .pdf"))
        if kind != "ranking":
            raise InputError(
                _("the %(kind)s report needs the periodic reports module, which is not built yet") % {"kind": kind}
            )
        if match.group(2):
            raise InputError(_("a ranking report is of a year: write --period %(year)s") % {"year": match.group(1)})
        content = ranking_document(int(match.group(1)), options["agency"], options["block"], options["approved_only"])
        if path.suffix.lower() == ".pdf":
            content = docx_to_pdf(content)
        path.write_bytes(content)
        self.stdout.write(_("Written: %(path)s") % {"path": path})


def ranking_document(year: int, agency_code: str, block_code: str, approved_only: bool) -> bytes:
    from cchc.scoring.models import Assessment, Framework
    from cchc.scoring.report import ranking_report
    from cchc.scoring.results import stored

    frameworks = Framework.objects.filter(year=year).select_related("block", "block__owner").order_by("block__code")
    if block_code:
        block = Block.objects.filter(year=year, code=block_code).select_related("owner").first()
        if block is None:
            raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block_code, "year": year})
        frameworks, owner = frameworks.filter(block=block), block.owner
    else:
        owner = _issuer(agency_code)
        frameworks = frameworks.filter(block__owner=owner)
    if not frameworks:
        raise InputError(_("no framework for %(year)s: nothing to report") % {"year": year})
    rankings = [
        stored(f, Assessment.objects.filter(framework=f).select_related("agency"), approved_only=approved_only)
        for f in frameworks
    ]
    return ranking_report(owner, year, rankings, timezone.localdate())


def _issuer(code: str) -> Agency:
    if code:
        found = Agency.objects.filter(code=code).first()
        if found is None:
            raise InputError(_("no agency “%(code)s”") % {"code": code})
        return found
    province = Agency.objects.filter(kind="province", parent__isnull=True).order_by("code").first()
    if province is None:
        raise InputError(_("no province agency: give --agency CODE"))
    return province
