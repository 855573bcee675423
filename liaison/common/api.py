"""API helpers: scoped related ids, service errors as DRF errors, CSV passthrough."""

import contextlib
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from .ids import is_id
from .limits import RateLimited
from .net import client_ip


class IdRangeMixin:
    """For a PrimaryKeyRelatedField: a number too large for an id "does not exist".

    Such a number never reaches the database (SQLite raises OverflowError for it, and a float
    such as 1e400 fails Django's int conversion the same way: a 500 otherwise).
    """

    def to_internal_value(self, data: Any) -> Any:
        number = None
        if isinstance(data, int | str) and not isinstance(data, bool):
            with contextlib.suppress(ValueError):  # not a number: the field says so below
                number = int(data)
        if number is not None and not is_id(number):
            self.fail("does_not_exist", pk_value=data)  # type: ignore[attr-defined]
        try:
            return super().to_internal_value(data)  # type: ignore[misc]
        except OverflowError:  # a float such as 1e400
            self.fail("incorrect_type", data_type=type(data).__name__)  # type: ignore[attr-defined]


@extend_schema_field(OpenApiTypes.INT)
class ScopedField(IdRangeMixin, serializers.PrimaryKeyRelatedField):
    """A related id that must be visible to the user, through a selector.

    An id outside the user's jurisdiction answers exactly like a missing one.
    """

    def __init__(self, *, selector: Callable[..., QuerySet[Any]], **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.selector(user=self.context["request"].user)


class CategoriesField(serializers.ListField):
    """A list of codes from a TextChoices class (categories, activities)."""

    def __init__(self, flags: Any, **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=flags.choices), **kwargs)


def django_errors_to_drf(exc: DjangoValidationError) -> serializers.ValidationError:
    """Return a service's ValidationError as DRF's (400, messages keyed by field)."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": exc.messages})


class TooManyRequests(APIException):
    """429 with the service's own words and a Retry-After header (DRF sets it from `wait`)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, detail: str, *, wait: int) -> None:
        super().__init__(detail)
        self.wait = wait


class ServiceWriteMixin:
    """Turn the services' Django errors into DRF 400/403/429 responses (404 passes through)."""

    def call_service(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except DjangoValidationError as exc:
            raise django_errors_to_drf(exc) from exc
        except RateLimited as exc:
            raise TooManyRequests(str(exc), wait=exc.retry_after) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc


class CsvFormatMixin:
    """Let `?format=csv` through to a view that writes its own CSV response.

    DRF reads `format` as a renderer suffix and would answer 404 for an unknown one.
    """

    def perform_content_negotiation(self, request: Any, force: bool = False) -> Any:
        force = force or request.query_params.get("format") == "csv"
        return super().perform_content_negotiation(request, force=force)  # type: ignore[misc]


LABELS_PARAMETER = OpenApiParameter(
    "labels",
    OpenApiTypes.BOOL,
    description=_(
        "With format=csv: 1 for the headers and values people read (in the request's "
        "language, as the pages' downloads), instead of the codes other systems read."
    ),
)


def wants_labels(request: Any) -> bool:
    """Return whether a CSV request asked for the translated form (`labels=1`)."""
    return request.query_params.get("labels", "").lower() in ("1", "true", "yes")


def job_started(request: Any, job: Any, serializer: Any, status_url_name: str) -> Response:
    """Answer a long job's start (or retry) the one way every endpoint does:
    202 with {"job": …, "status_url": the URL to poll}."""
    url = request.build_absolute_uri(reverse(status_url_name, args=[job.pk]))
    data = serializer(job, context={"request": request}).data
    return Response({"job": data, "status_url": url}, status=202)


def job_started_schema(name: str, serializer: Any) -> dict[int, Any]:
    """The OpenAPI response of `job_started`, for extend_schema(responses=…)."""
    return {
        202: inline_serializer(name, {"job": serializer(), "status_url": serializers.URLField()})
    }


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, keyed by the real client address (liaison.common.net).

    DRF's own key is the client-supplied X-Forwarded-For when there is one: a new header per
    request was never throttled.
    """

    def get_ident(self, request: Any) -> str:
        return client_ip(request)
