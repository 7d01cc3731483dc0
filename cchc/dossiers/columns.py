"""The dossier's columns, declared once: the file's name of each (DESIGN §8.2), the ``Dossier``
field that holds it, the name the import's SQL gives it, and an example value.

Everything else is read from here or from the model field: the import profiles and the upload
page's table (meaning = the field's help text, required = the field takes no empty value), the
import's SQL types, the API serializer's fields and the listing export's header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from cchc.dossiers.models import Dossier


@dataclass(frozen=True)
class Column:
    name: str  # in the file
    field: str  # the Dossier field
    alias: str  # in the import's SQL (cchc.dossiers.engine)
    example: str

    @property
    def model_field(self) -> Any:
        return Dossier._meta.get_field(self.field)

    @property
    def meaning(self) -> Any:
        """What the column holds, as the upload page explains it (lazy text)."""
        return self.model_field.help_text

    @property
    def required(self) -> bool:
        f = self.model_field
        return not (f.null or f.blank or f.has_default())

    @property
    def column(self) -> str:
        """The database column (``agency_id`` for the agency)."""
        return _column(self.field)

    @property
    def sql_type(self) -> str:
        """The import's type for the value (DuckDB)."""
        f = self.model_field
        if isinstance(f, models.ForeignKey | models.IntegerField):
            return "BIGINT"
        if isinstance(f, models.DateField):
            return "DATE"
        if isinstance(f, models.BooleanField):
            return "BOOLEAN"
        return "VARCHAR"


def _column(name: str) -> str:
    return str(getattr(Dossier._meta.get_field(name), "column"))  # noqa: B009  (a relation has no column)


DECLARED = (
    Column("dossier_code", "dossier_code", "code", "000.00.15.H40-250303-0001"),
    Column("agency_code", "agency", "agency_id", "STP"),
    Column("procedure_code", "procedure_code", "procedure_code", "1.001234"),
    Column("received_at", "received_on", "received", "03/03/2025"),
    Column("due_at", "due_on", "due", "17/03/2025"),
    Column("resolved_at", "resolved_on", "resolved", "14/03/2025"),
    Column("status", "status", "status", "resolved"),
    Column("channel", "channel", "channel", "online"),
    Column("online_level", "online_level", "online_level", "full"),
    Column("paid_online", "paid_online", "paid", "1"),
    Column("fee_amount", "fee_amount", "fee", "1.500.000"),
    Column("result_by_post", "result_by_post", "post", "0"),
    Column("digitized", "digitized", "digi", "1"),
    Column("sms_count", "sms_count", "sms", "2"),
    Column("handler", "handler", "handler", "Nguyễn Văn An"),
)
COLUMNS = tuple(c.name for c in DECLARED)
REQUIRED = tuple(c.name for c in DECLARED if c.required)
BY_NAME = {c.name: c for c in DECLARED}

# What the import stores beside the file's columns, worked out per row: (alias, Dossier field).
DERIVED = (("eligible", "online_eligible"), ("procedure_id", "procedure"), ("outcome", "outcome"))
# Every stored column as (alias in the import's SQL, database column), in the order the import writes them.
STORED = (
    *((c.alias, c.column) for c in DECLARED),
    *((alias, _column(f)) for alias, f in DERIVED),
)
