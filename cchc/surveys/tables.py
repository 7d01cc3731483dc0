"""Columns of the satisfaction figures as a file (the command's CSV, the results page's XLSX)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cchc.core.tabular import Column, Kind
from cchc.surveys.models import Element
from cchc.surveys.stats import ELEMENTS, Group, QuestionRow

STATS_COLUMNS = [
    Column("key", _("Code")),
    Column("name", _("Group"), width=40),
    Column("forms", _("Forms counted"), Kind.INTEGER),
    Column("held", _("Forms held for review"), Kind.INTEGER),
    Column("satisfaction", _("Satisfaction"), Kind.PERCENT),
    *(Column(e, Element(e).label, Kind.PERCENT) for e in ELEMENTS),
    Column("meets_target", _("Against the target")),
]

QUESTION_COLUMNS = [
    Column("code", _("Code")),
    Column("element", _("Element"), width=24),
    Column("text", _("Question"), width=60),
    Column("answers", _("Answers"), Kind.INTEGER),
    Column("satisfied", _("Satisfied (4 or 5)"), Kind.INTEGER),
    Column("index", _("Satisfied share"), Kind.PERCENT),
]


def stats_rows(groups: list[Group]) -> list[list[Any]]:
    return [
        # The province's row has no code of its own ("all" is the machine interfaces' key, not a code).
        ["" if g.key == "all" else g.key, g.name, g.forms, g.held, g.satisfaction]
        + [g.elements[e].index for e in ELEMENTS]
        + [g.verdict]
        for g in groups
    ]


def question_rows(rows: list[QuestionRow]) -> list[list[Any]]:
    return [
        [
            r.question.code,
            r.question.get_element_display(),
            r.question.text,
            r.tally.answers,
            r.tally.satisfied,
            r.index,
        ]
        for r in rows
    ]
