"""Read-only API of the province's indices: every signed-in caller reads them (published results)."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from cchc.indices import services
from cchc.indices.filters import ProvincialIndexFilterSet
from cchc.indices.models import ProvincialIndex
from cchc.indices.views import readable


class ProvincialIndexSerializer(serializers.ModelSerializer):
    index_code = serializers.CharField(source="kind.code", read_only=True)
    index_name = serializers.CharField(source="kind.name", read_only=True)
    unit = serializers.CharField(source="kind.unit", read_only=True)
    province_code = serializers.CharField(source="province.code", read_only=True)
    rank_change = serializers.SerializerMethodField(
        help_text="places gained since the previous result (negative: lost)"
    )
    rank_text = serializers.SerializerMethodField(help_text="the rank and its change as the reports write it")

    class Meta:
        model = ProvincialIndex
        fields = ["id", "province_code", "index_code", "index_name", "year", "score", "unit", "rank", "out_of"]
        fields += ["rank_change", "rank_text", "note"]

    def _line(self, obj: ProvincialIndex) -> services.Line:
        found: dict[int, services.Line] = self.context.setdefault("lines", {})
        if obj.pk not in found:
            same = readable().filter(province_id=obj.province_id, kind_id=obj.kind_id)
            found.update({line.value.pk: line for line in services.lines(same)})
        return found[obj.pk]

    def get_rank_change(self, obj: ProvincialIndex) -> int | None:
        return self._line(obj).rank_change

    def get_rank_text(self, obj: ProvincialIndex) -> str:
        return self._line(obj).sentence


class ProvincialIndexViewSet(viewsets.ReadOnlyModelViewSet):
    """The province's score and rank in PAR INDEX, SIPAS, PAPI, PCI, PACA, DTI, ICT Index per year."""

    serializer_class = ProvincialIndexSerializer
    filterset_class = ProvincialIndexFilterSet

    def get_queryset(self) -> QuerySet[ProvincialIndex]:
        return readable().order_by("kind__position", "kind__code", "year", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "lines": {}}
