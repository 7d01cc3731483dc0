"""``{% task_origin task %}``: where a task of a plan comes from (a directive of a conclusion notice, or a
finding of an inspection), linked for a reader who sees it; nothing otherwise. For the task's page
and rows (``cchc/plans``); rows read ``directive_link__directive__conclusion`` and
``finding__inspection__agency`` with ``select_related`` to stay one query."""

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from cchc.inspections.models import Directive, Finding

register = template.Library()


def _related(task: Any, name: str) -> Any:
    try:
        return getattr(task, name)
    except ObjectDoesNotExist:
        return None


@register.inclusion_tag("inspections/_task_origin.html", takes_context=True)
def task_origin(context: Any, task: Any) -> dict[str, Any]:
    user = context["request"].user
    link = _related(task, "directive_link")
    directive = link.directive if link is not None else None
    if directive is not None and not Directive.objects.restrict(user).filter(pk=directive.pk).exists():
        directive = None
    finding = _related(task, "finding")
    if finding is not None and not Finding.objects.restrict(user).filter(pk=finding.pk).exists():
        finding = None
    return {"directive": directive, "finding": finding}
