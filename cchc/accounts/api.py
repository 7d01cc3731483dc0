from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from cchc.accounts.models import RoleGrant


class TokenThrottle(AnonRateThrottle):
    scope = "token"


class TokenView(ObtainAuthToken):
    """Exchange a user name and password for an API token (send it as ``Authorization: Token …``)."""

    throttle_classes = [TokenThrottle]


class GrantSerializer(serializers.ModelSerializer):
    agency_code = serializers.CharField(source="agency.code")

    class Meta:
        model = RoleGrant
        fields = ["role", "agency_code", "include_descendants"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_system_admin = serializers.BooleanField()
    grants = GrantSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The caller and the roles they hold."""
    user: Any = request.user
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "is_system_admin": user.is_system_admin,
        "grants": user.grants.select_related("agency"),
    }
    return Response(MeSerializer(data).data)
