from typing import Any

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers, viewsets

from cchc.agencies.filters import AgencyFilterSet, BlockFilterSet
from cchc.agencies.models import Agency, Block


class AgencySerializer(serializers.ModelSerializer):
    parent_code = serializers.SerializerMethodField()
    successor_codes = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "parent_code",
            "active_from",
            "active_to",
            "successor_codes",
            "depth",
        ]

    def get_parent_code(self, obj: Agency) -> str | None:
        return obj.parent.code if obj.parent else None

    def get_successor_codes(self, obj: Agency) -> list[str]:
        return [s.code for s in obj.successors.all()]


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies in the caller's scope (cơ quan, đơn vị)."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Agency]:
        visible = Agency.objects.restrict(self.request.user)
        return (
            visible.select_related("parent")
            .prefetch_related(Prefetch("successors", queryset=visible))  # as on the page: only those in scope
            .distinct()
            .order_by("path")
        )


class BlockSerializer(serializers.ModelSerializer):
    owner_code = serializers.CharField(source="owner.code", read_only=True)
    member_codes = serializers.SerializerMethodField()

    class Meta:
        model = Block
        fields = ["id", "year", "code", "name", "owner_code", "member_codes"]

    def get_member_codes(self, obj: Any) -> list[str]:
        return [m.code for m in obj.members.all()]


class BlockViewSet(viewsets.ReadOnlyModelViewSet):
    """Blocks (khối) the caller coordinates, views or appraises."""

    serializer_class = BlockSerializer
    filterset_class = BlockFilterSet

    def get_queryset(self) -> QuerySet[Block]:
        members = Agency.objects.restrict(self.request.user)  # as on the page: only those in scope
        return (
            Block.objects.restrict(self.request.user)
            .select_related("owner")
            .prefetch_related(Prefetch("members", queryset=members))
        )
