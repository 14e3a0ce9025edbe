"""Limit/offset pagination with both inputs bounded.

django-ninja bounds ``limit`` but not ``offset``; an offset past 64 bits reaches the database
and fails there (SQLite: "datatype mismatch"), which schemathesis found. Out-of-range input is a
422 like any other invalid parameter.
"""

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=settings.NINJA_PAGINATION_MAX_OFFSET)
