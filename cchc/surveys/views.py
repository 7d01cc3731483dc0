"""Survey pages: results, the questionnaire builder, paper-form entry."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/index.html", {})
