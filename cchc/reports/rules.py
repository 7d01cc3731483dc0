# TEMPORARY local stand-in (not committed): the real module comes from the report-forms branch.
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Violation:
    rule_code: str
    strength: str
    message: str
    fields: list[str] = field(default_factory=list)


def evaluate(form: Any, values: dict) -> list[Violation]:
    return []


def blocking(violations: list[Violation], justifications: dict) -> list[Violation]:
    return [v for v in violations if v.strength == "hard" or not justifications.get(v.rule_code)]


def missing_required(form: Any, values: dict) -> list[str]:
    return [f.code for f in form.fields.all() if f.required and values.get(f.code) in (None, "", [])]
