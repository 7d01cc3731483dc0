"""API of plans, tasks, the task statistics, and the tasks' progress updates and parts, in the caller's
scope. Plans, tasks and statistics are read-only; an update or a part is posted through the service of
the task page (``services.post_update``): the same checks, the same refusals."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cchc.core.tabular import InputError, parse_date
from cchc.plans import services
from cchc.plans.filters import PlanFilterSet, TaskFilterSet
from cchc.plans.models import Plan, Task, TaskFile, TaskUpdate
from cchc.plans.stats import GROUPINGS, task_stats


class PlanSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "year", "agency_code", "number", "issued_on", "title", "objectives"]


class TaskSerializer(serializers.ModelSerializer):
    lead_agency_code = serializers.CharField(source="lead_agency.code", read_only=True)
    co_agency_codes = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "plan", "task_code", "title", "area", "lead_agency_code", "co_agency_codes"]
        fields += ["deadline", "product", "status", "completed_on", "recurrence", "series", "occurrence"]

    def get_co_agency_codes(self, obj: Task) -> list[str]:
        return sorted(a.code for a in obj.co_agencies.all())


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """PAR plans (kế hoạch CCHC) the caller sees."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.restrict(self.request.user).select_related("agency").order_by("-year", "pk")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks (nhiệm vụ) the caller sees: led or co-operated by its agencies, or of their plans."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet

    def get_queryset(self) -> QuerySet[Task]:
        tasks = Task.objects.restrict(self.request.user)
        return tasks.select_related("lead_agency").prefetch_related("co_agencies").order_by("plan_id", "task_code")


class TaskStatsView(APIView):
    """``task_stats`` of a year (``year``, ``by``: none, agency or area, ``as_of``), in the caller's scope."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="year of the plans (default: this year)"),
            OpenApiParameter("by", str, description="none, agency or area"),
            OpenApiParameter("as_of", str, description="day of the overdue count, yyyy-mm-dd (default: today)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        year, by = _year(request.query_params.get("year")), request.query_params.get("by", "none")
        if by not in GROUPINGS:
            raise ValidationError({"by": f"one of {', '.join(GROUPINGS)}"})
        as_of = _as_of(request.query_params.get("as_of", ""))
        groups = task_stats(year, user=request.user, as_of=as_of, by=by)
        return Response({"year": year, "as_of": as_of.isoformat(), "by": by, "groups": [g.as_json() for g in groups]})


def _year(text: Any) -> int:
    try:
        return int(text) if text else timezone.localdate().year
    except ValueError:
        raise ValidationError({"year": "a year"}) from None


def _as_of(text: str) -> date:
    try:
        return parse_date(text, None, "as_of") or timezone.localdate()
    except InputError as exc:
        raise ValidationError({"as_of": str(exc)}) from None


class TaskFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TaskFile
        fields = ["id", "original_name", "size", "url"]

    def get_url(self, obj: TaskFile) -> str:
        return obj.get_absolute_url()


class TaskUpdateSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code", read_only=True)
    author = serializers.SerializerMethodField()
    kind = serializers.CharField(read_only=True, help_text="progress or part")
    files = TaskFileSerializer(many=True, read_only=True)

    class Meta:
        model = TaskUpdate
        fields = ["id", "task", "kind", "agency_code", "text", "percent", "completed_on", "author", "created_at"]
        fields += ["files"]

    def get_author(self, obj: TaskUpdate) -> str | None:
        return None if obj.author is None else str(obj.author)


class TaskUpdatePostSerializer(serializers.Serializer):
    """What a post carries (multipart for files): ``files`` may be given several times."""

    task = serializers.IntegerField()
    # A plain string (the service refuses another kind): a second enum named "kind" in the schema would
    # collide with the agencies' (drf_spectacular.W001).
    kind = serializers.CharField(help_text="progress (the lead agency) or part (a co-operating agency)")
    text = serializers.CharField(allow_blank=True)
    percent = serializers.DecimalField(max_digits=12, decimal_places=4, required=False, allow_null=True)
    done = serializers.BooleanField(required=False, default=False)
    completed_on = serializers.DateField(required=False, allow_null=True)
    agency = serializers.CharField(required=False, allow_blank=True, help_text="co-operating agency code (parts)")


class TaskUpdateViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress updates (``kind=progress``, by the lead agency) and parts (``kind=part``, by a
    co-operating agency) of the tasks the caller sees; ``?task=`` narrows to one task. A POST posts one
    through the task page's service (multipart with ``files`` for evidence)."""

    serializer_class = TaskUpdateSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[TaskUpdate]:
        updates = TaskUpdate.objects.restrict(self.request.user).select_related("agency", "author")
        task = self.request.query_params.get("task", "")
        if task:
            if not task.isdigit():
                raise ValidationError({"task": "a task id"})
            updates = updates.filter(task_id=int(task))
        return updates.prefetch_related("files").order_by("task_id", "created_at", "pk")

    @extend_schema(request=TaskUpdatePostSerializer, responses={201: TaskUpdateSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TaskUpdatePostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post: dict[str, Any] = data.validated_data
        agency_id = None
        if post.get("agency"):
            from cchc.agencies.models import Agency

            agency_id = Agency.objects.filter(code=post["agency"]).values_list("pk", flat=True).first() or -1
        try:
            update = services.post_update(
                request.user,
                post["task"],
                kind=post["kind"],
                text=post["text"],
                percent=post.get("percent"),
                files=request.FILES.getlist("files"),
                done=post.get("done", False),
                completed_on=post.get("completed_on"),
                agency_id=agency_id,
            )
        except services.TaskError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        update = self.get_queryset().get(pk=update.pk)
        return Response(TaskUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
