"""The validation rules of a report form (quy tắc kiểm tra): a small, safe expression language.

A rule is an expression over the form's field codes, written as a coordinator would write it::

    resolved = early + on_time + late
    received + carried_over >= resolved + pending
    inspected <= planned_inspections and not (late > resolved)
    sum(tasks.done) <= sum(tasks.assigned)

It is parsed with Python's ``ast`` and only these are allowed: the form's field codes, integer and
decimal constants, ``+ - * /`` (and a leading minus), parentheses, the comparisons ``=`` (equality, as
a person writes it; ``==`` also works), ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``and``, ``or``, ``not``,
and ``sum(TABLE.column)`` over the rows of a table field. No attribute, call, subscript or name
outside these parses, so a rule can never run code. Arithmetic is exact (``Decimal``).

**Empty fields.** A rule that reads an empty field is not evaluated, so it is not violated: whether a
field must be filled is the field's ``required`` flag (``missing_required``), not the rules' concern.
A table with no rows is empty; in a table with rows, an empty cell counts 0 in a sum. A rule whose
arithmetic divides by zero is not evaluated either (a rate of nothing is not a breach).

**Strength.** A hard rule blocks submission; a soft one needs a written justification
(``report.justifications[rule_code]``): ``blocking`` says which violations still stand in the way.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any, Protocol

from django.utils.translation import gettext as _

from cchc.core.tabular import InputError
from cchc.reports.models import FieldKind, RuleStrength

CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED = frozenset({"sum", *keyword.kwlist})
# "=" alone is equality; "==", "!=", "<=", ">=" stay as they are.
_SINGLE_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# Numbers as people type them: "93.281" and "1.500,5" (Vietnamese: "." groups thousands, "," is the
# decimal mark), "1500", "12,5", or as machines write them, "1500.5". A point followed by exactly three
# digits groups thousands, so "1.500" is one thousand five hundred, never one and a half.
_VIETNAMESE = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_DECIMAL = re.compile(r"^-?\d+(?:,\d+)?$")
_POINT_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")


class FieldLike(Protocol):
    code: str
    kind: str
    columns: Any


@dataclass(frozen=True)
class Violation:
    """A rule the values break: its code, hard or soft, the message the form gives, the fields it reads."""

    rule_code: str
    strength: str
    message: str
    fields: list[str]

    @property
    def hard(self) -> bool:
        return self.strength == RuleStrength.HARD


@dataclass(frozen=True)
class Compiled:
    """A checked rule: its tree, and the field codes it reads (in the order they first appear)."""

    expression: str
    tree: ast.Expression
    fields: tuple[str, ...]

    def holds(self, values: Mapping[str, Any]) -> bool | None:
        """True or False on ``values`` (field code → number, or a table's rows); None when the rule reads
        an empty field or divides by zero, so it cannot be judged."""
        if any(_is_empty(values.get(code)) for code in self.fields):
            return None
        try:
            return bool(_Evaluator(values).visit(self.tree.body))
        except (ZeroDivisionError, DivisionByZero, InvalidOperation):
            return None


# Parsing


def compile_rule(expression: str, fields: Mapping[str, FieldLike]) -> Compiled:
    """Parse ``expression`` over the form's ``fields`` (code → field); InputError naming the bad syntax,
    the unknown field or the misused one."""
    source = _SINGLE_EQUALS.sub("==", expression.strip())
    if not source:
        raise InputError(_("the rule is empty"))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise InputError(
            _("cannot read the rule “%(rule)s”: check its operators and brackets") % {"rule": expression}
        ) from None
    checker = _Checker(expression, fields)
    if checker.visit(tree.body) != "bool":
        raise InputError(
            _("the rule “%(rule)s” is not a comparison (write for example a = b + c or a <= b)") % {"rule": expression}
        )
    return Compiled(expression, tree, tuple(dict.fromkeys(checker.read)))


class _Checker:
    """Walks a parsed rule, refusing anything outside the language; ``visit`` gives "number" or "bool"."""

    def __init__(self, expression: str, fields: Mapping[str, FieldLike]) -> None:
        self.expression, self.fields = expression, fields
        self.read: list[str] = []

    def refuse(self, what: str) -> InputError:
        return InputError(
            _("the rule “%(rule)s” uses %(what)s, which a rule cannot use") % {"rule": self.expression, "what": what}
        )

    def visit(self, node: ast.AST) -> str:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise self.refuse(f"“{ast.unparse(node)}”")
        return str(method(node))

    def expect(self, node: ast.AST, kind: str) -> None:
        if self.visit(node) != kind:
            if kind == "number":
                raise InputError(
                    _("in the rule “%(rule)s”, “%(part)s” is a comparison where a number is expected")
                    % {"rule": self.expression, "part": ast.unparse(node)}
                )
            raise InputError(
                _("in the rule “%(rule)s”, “%(part)s” is a number where a comparison is expected")
                % {"rule": self.expression, "part": ast.unparse(node)}
            )

    def visit_Constant(self, node: ast.Constant) -> str:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.refuse(f"“{ast.unparse(node)}”")
        return "number"

    def visit_Name(self, node: ast.Name) -> str:
        field = self.fields.get(node.id)
        if field is None:
            raise InputError(
                _("the rule “%(rule)s” names an unknown field “%(field)s”")
                % {"rule": self.expression, "field": node.id}
            )
        if field.kind != FieldKind.NUMBER:
            raise InputError(
                _(
                    "in the rule “%(rule)s”, the field “%(field)s” is not a number (a table is read as sum(%(field)s.column))"
                )
                % {"rule": self.expression, "field": node.id}
            )
        self.read.append(node.id)
        return "number"

    def visit_Call(self, node: ast.Call) -> str:
        argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if not (isinstance(node.func, ast.Name) and node.func.id == "sum") or not (
            isinstance(argument, ast.Attribute) and isinstance(argument.value, ast.Name)
        ):
            raise self.refuse(f"“{ast.unparse(node)}” (the only function is sum(TABLE.column))")
        table, column = argument.value.id, argument.attr
        field = self.fields.get(table)
        if field is None:
            raise InputError(
                _("the rule “%(rule)s” names an unknown field “%(field)s”") % {"rule": self.expression, "field": table}
            )
        if field.kind != FieldKind.TABLE:
            raise InputError(
                _("in the rule “%(rule)s”, sum() needs a table field, and “%(field)s” is not one")
                % {"rule": self.expression, "field": table}
            )
        kinds = {c.get("code"): c.get("kind") for c in field.columns or []}
        if kinds.get(column) != FieldKind.NUMBER:
            message = (
                _("in the rule “%(rule)s”, the column “%(column)s” of “%(field)s” is not a number")
                if column in kinds
                else _("the rule “%(rule)s” names an unknown column “%(column)s” of the table “%(field)s”")
            )
            raise InputError(message % {"rule": self.expression, "column": column, "field": table})
        self.read.append(table)
        return "number"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> str:
        if isinstance(node.op, ast.Not):
            self.expect(node.operand, "bool")
            return "bool"
        if isinstance(node.op, ast.USub | ast.UAdd):
            self.expect(node.operand, "number")
            return "number"
        raise self.refuse(f"“{ast.unparse(node)}”")

    def visit_BinOp(self, node: ast.BinOp) -> str:
        if type(node.op) not in _ARITHMETIC:
            raise self.refuse(f"“{ast.unparse(node)}”")
        self.expect(node.left, "number")
        self.expect(node.right, "number")
        return "number"

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        for value in node.values:
            self.expect(value, "bool")
        return "bool"

    def visit_Compare(self, node: ast.Compare) -> str:
        if not all(isinstance(op, _COMPARISONS) for op in node.ops):
            raise self.refuse(f"“{ast.unparse(node)}”")
        for operand in (node.left, *node.comparators):
            self.expect(operand, "number")
        return "bool"


# Evaluating


class _Evaluator:
    """Evaluates a checked tree with Decimal arithmetic over prepared values (code → Decimal or rows)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def visit(self, node: ast.AST) -> Any:
        return getattr(self, f"visit_{type(node).__name__}")(node)

    def visit_Constant(self, node: ast.Constant) -> Decimal:
        return Decimal(str(node.value))

    def visit_Name(self, node: ast.Name) -> Decimal:
        return Decimal(self.values[node.id])

    def visit_Call(self, node: ast.Call) -> Decimal:
        argument = node.args[0]
        assert isinstance(argument, ast.Attribute) and isinstance(argument.value, ast.Name)
        rows = self.values[argument.value.id]
        return sum((parse_number(row.get(argument.attr)) or Decimal(0) for row in rows), Decimal(0))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else operand

    def visit_BinOp(self, node: ast.BinOp) -> Decimal:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise ZeroDivisionError
        return left / right

    def visit_BoolOp(self, node: ast.BoolOp) -> bool:
        if isinstance(node.op, ast.And):
            return all(self.visit(v) for v in node.values)
        return any(self.visit(v) for v in node.values)

    def visit_Compare(self, node: ast.Compare) -> bool:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            if not _compare(op, left, right):
                return False
            left = right
        return True


def _compare(op: ast.cmpop, left: Decimal, right: Decimal) -> bool:
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    if isinstance(op, ast.Lt):
        return left < right
    if isinstance(op, ast.LtE):
        return left <= right
    if isinstance(op, ast.Gt):
        return left > right
    return left >= right


# Values


def parse_number(value: Any) -> Decimal | None:
    """A number as a report holds it: 93281, "93281", "93.281" (Vietnamese thousands), "12,5", "12.5";
    None when empty; InputError when it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if _VIETNAMESE.match(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    if _COMMA_DECIMAL.match(text):
        return Decimal(text.replace(",", "."))
    if _POINT_DECIMAL.match(text):
        return Decimal(text)
    raise InputError(_("“%(value)s” is not a number") % {"value": value})


def merged(values: Mapping[str, Any], prefilled: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The report's values with the system's figures over them (a prefilled field is the system's, not
    typed); either may hold a value bare or as ``{"value": …}``."""
    result = {code: _bare(value) for code, value in values.items()}
    for code, figure in (prefilled or {}).items():
        result[code] = _bare(figure)
    return result


def _bare(value: Any) -> Any:
    return value.get("value") if isinstance(value, Mapping) else value


def _is_empty(value: Any) -> bool:
    if isinstance(value, list):
        return not value
    return value is None or (isinstance(value, str) and not value.strip())


def _prepared(fields: Iterable[FieldLike], values: Mapping[str, Any]) -> dict[str, Any]:
    """Number fields as Decimals (None when empty or not a number), tables as lists of row dicts."""
    prepared: dict[str, Any] = {}
    for field in fields:
        value = values.get(field.code)
        if field.kind == FieldKind.NUMBER:
            try:
                prepared[field.code] = parse_number(value)
            except InputError:
                prepared[field.code] = None  # a wrong entry is the field's error (``invalid_numbers``), not a rule's
        elif field.kind == FieldKind.TABLE:
            prepared[field.code] = [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []
        else:
            prepared[field.code] = value
    return prepared


# What the workflow asks


def evaluate(form: Any, values: Mapping[str, Any], prefilled: Mapping[str, Any] | None = None) -> list[Violation]:
    """The rules of ``form`` that ``values`` (with the system's ``prefilled`` figures over them) break,
    in the form's order. Rules reading an empty field, or dividing by zero, are not judged."""
    fields = {f.code: f for f in form.fields.all()}
    prepared = _prepared(fields.values(), merged(values, prefilled))
    violations = []
    for rule in form.rules.all():
        compiled = compile_rule(rule.expression, fields)
        if compiled.holds(prepared) is False:
            violations.append(Violation(rule.code, rule.strength, rule.message, list(compiled.fields)))
    return violations


def missing_required(form: Any, values: Mapping[str, Any], prefilled: Mapping[str, Any] | None = None) -> list[str]:
    """The codes of the required fields left empty (a table without rows is empty), in the form's order."""
    values = merged(values, prefilled)
    return [f.code for f in form.fields.all() if f.required and _is_empty(values.get(f.code))]


def invalid_numbers(form: Any, values: Mapping[str, Any]) -> list[str]:
    """The codes of number fields (and tables with number columns) holding something that is not a number."""
    bad = []
    for field in form.fields.all():
        value = _bare(values.get(field.code))
        if field.kind == FieldKind.NUMBER:
            cells = [value]
        elif field.kind == FieldKind.TABLE and isinstance(value, list):
            numeric = [c["code"] for c in field.columns if c.get("kind") == FieldKind.NUMBER]
            cells = [row.get(code) for row in value if isinstance(row, Mapping) for code in numeric]
        else:
            continue
        try:
            for cell in cells:
                parse_number(cell)
        except InputError:
            bad.append(field.code)
    return bad


def blocking(violations: Iterable[Violation], justifications: Mapping[str, Any]) -> list[Violation]:
    """What stops a submission: every hard violation, and each soft one without a written justification."""
    return [v for v in violations if v.hard or not str(justifications.get(v.rule_code) or "").strip()]
