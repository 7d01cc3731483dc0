"""The API's pagination: ``limit`` and ``offset``, with a ceiling on what one page may ask for."""

from rest_framework.pagination import LimitOffsetPagination


class LimitOffset(LimitOffsetPagination):
    """``?limit=N&offset=M``; a ``limit`` above ``max_limit`` gets ``max_limit`` rows, so that one
    request cannot make the server serialise a whole table (DRF's own class has no ceiling)."""

    max_limit = 1000
