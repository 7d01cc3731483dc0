"""The kinds of official document, each with its shipped template and a sample context.

The sample context of a kind is a complete instance of its context contract (``docs/documents.md``):
every list has an item and every optional part is present, so that rendering a template with it
reaches every tag (``engine.check_template`` relies on it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cchc.documents import samples

DEFAULTS = Path(__file__).resolve().parent / "defaults"


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise
    sample: Callable[[], dict[str, Any]]
    periodic: bool = True

    @property
    def default_path(self) -> Path:
        """The shipped template (package data, written by ``python -m cchc.documents.build_defaults``)."""
        return DEFAULTS / f"{self.code}.docx"


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("ranking", _("PAR index and ranking report"), samples.ranking, periodic=False),
        Kind("agency", _("Agency's periodic PAR report"), lambda: samples.periodic("agency")),
        Kind("province_quarter", _("Province's quarterly PAR report"), lambda: samples.periodic("quarter")),
        Kind("province_half", _("Province's six-month PAR report"), lambda: samples.periodic("half")),
        Kind("province_nine", _("Province's nine-month PAR report"), lambda: samples.periodic("nine")),
        Kind("province_year", _("Province's annual PAR report"), lambda: samples.periodic("year")),
    )
}
CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]


def get(code: str) -> Kind:
    """The kind named ``code``; KeyError for any other."""
    return KINDS[code]
