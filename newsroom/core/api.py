"""The partner API's base classes, which each app's ``api.py`` builds its resources on: strict
filters and pagination, conditional GET, serializer helpers and the errors the schema documents.
Keys, throttling, the JSON error handler and the router are the project's (``newsroom/api*.py``)."""

import datetime
import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, filters, pagination, serializers, viewsets
from rest_framework.response import Response

from . import pagecache

# --- Filtering, ordering and pagination ------------------------------------------------------

PAGINATION_PARAMETERS = {"cursor", "page_size"}
ORDERING_PARAMETER = "ordering"


def given_only(filterset_class):
    """``filterset_class``, validating only the filters the request uses: a form field for every
    filter cost more than the rest of a list (each choice of public topics, people or sources
    builds its ``public()`` query). A filter not given filters nothing either way; the schema
    and the names ``FilterBackend`` accepts still come from every filter (``base_filters``)."""

    def get_form_class(self):
        given = set(self.data) if self.is_bound else set()
        fields = {
            name: filter_.field
            for name, filter_ in self.filters.items()
            if given & parameters_of(name, filter_)
        }
        return type(f"{type(self).__name__}Form", (self._meta.form,), fields)

    return type(
        filterset_class.__name__,
        (filterset_class,),
        {"get_form_class": get_form_class, "__module__": filterset_class.__module__},
    )


def parameters_of(name, filter_) -> set[str]:
    """The query parameters of a filter: its name, or its name with each suffix of its widget
    (``said_after``, ``said_before``)."""
    suffixes = getattr(filter_.field_class.widget, "suffixes", ())
    return {name, *(f"{name}_{suffix}" for suffix in suffixes)}


class FilterBackend(DjangoFilterBackend):
    """django-filter, but an unknown parameter is a 400 rather than a silently ignored filter,
    and only the filters a request uses are built (``given_only``)."""

    _given_only: dict = {}

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        if filterset_class not in self._given_only:
            self._given_only[filterset_class] = given_only(filterset_class)
        return self._given_only[filterset_class]

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            if request.query_params:
                raise exceptions.ValidationError(
                    {
                        name: ["This endpoint takes no query parameters."]
                        for name in request.query_params
                    }
                )
            return queryset
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = set(PAGINATION_PARAMETERS)
        if getattr(view, "ordering_fields", None):
            allowed.add(ORDERING_PARAMETER)
        if filterset_class is not None:
            for name, filter_ in filterset_class.base_filters.items():
                allowed |= parameters_of(name, filter_)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise exceptions.ValidationError(
                {
                    name: [
                        f"Unknown query parameter. This endpoint takes: {', '.join(sorted(allowed))}."
                    ]
                    for name in unknown
                }
            )
        empty = sorted(name for name, values in request.query_params.lists() if "" in values)
        if empty:  # "?updated_since=" would otherwise mean no filter at all, silently
            raise exceptions.ValidationError(
                {name: ["Give a value, or leave the parameter out."] for name in empty}
            )
        if not set(request.query_params) - PAGINATION_PARAMETERS - {ORDERING_PARAMETER}:
            return queryset  # no filter given: none is built (copying them all cost 1.4 ms)
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise exceptions.ValidationError(self.errors_by_parameter(filterset, request))
        return filterset.qs

    @staticmethod
    def errors_by_parameter(filterset, request) -> dict:
        """A range filter's errors are filed under its name; name the parameters given instead."""
        errors = {}
        for name, messages in filterset.errors.items():
            given = [p for p in request.query_params if p == name or p.startswith(f"{name}_")]
            for parameter in given or [name]:
                errors[parameter] = list(messages)
        return errors


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=`` with the view's ``ordering_fields``; anything else is a 400."""

    ordering_description = "Sort order; prefix with `-` for newest first."

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is None:
            return self.get_default_ordering(view)
        allowed = self.allowed_terms(view)
        terms = [term.strip() for term in params.split(",")]
        invalid = [term for term in terms if term not in allowed]
        if invalid or not terms:
            raise exceptions.ValidationError(
                {self.ordering_param: [f"Use one of: {', '.join(allowed)}."]}
            )
        return tuple(terms)

    def allowed_terms(self, view) -> list[str]:
        fields = getattr(view, "ordering_fields", None) or []
        return [term for field in fields for term in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view):
        allowed = self.allowed_terms(view)
        if not allowed:
            return []
        default = ",".join(self.get_default_ordering(view) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description} Default: `{default}`.",
                "schema": {"type": "string", "enum": allowed},
            }
        ]


class CursorPagination(pagination.CursorPagination):
    """Stable under concurrent publishing: a page starts after the last item you saw."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_description = (
        "The `next` or `previous` link's cursor, as given: an opaque string. Any other value is "
        "refused with 400."
    )
    page_size_query_description = f"Items per page, 1 to {max_page_size} (default {page_size})."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:  # DRF's answer to a cursor it cannot decode
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["This cursor is not valid."]}
            ) from None
        except (DjangoValidationError, ValueError, TypeError, OverflowError):  # a forged position
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["This cursor is not valid."]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


# --- Conditional GET ----------------------------------------------------------------------


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """ETag on every 200, Last-Modified from the data shown; 304 when the client is current.

    The ETag is the version of what the view shows (``response_etag``) when it knows one, or
    else hashes the response body, so it changes whenever anything shown changes. Lists
    also carry Last-Modified (the newest item on the page) but only If-None-Match makes them
    304: a story leaving a list does not make the page's newest item newer, so a date cannot
    prove that a list is unchanged. Details honour both.
    """

    filter_backends = [FilterBackend, OrderingFilter]
    pagination_class = CursorPagination
    response_last_modified: datetime.datetime | None = None
    # Surrogate keys (``core/pagecache.py``): the route tag every change to what this resource
    # shows purges, and the keys of the object a detail shows (its own, unless the view knows
    # more: a story's stored rendering names everything it shows). None: no keys (private data).
    surrogate_route: str | None = pagecache.FACTS
    shown_keys: list[str] | None = None
    # Set by a view that knows its answer's version (a stored rendering's, the rows' versions):
    # the ETag is then that string, and the body is never encoded a second time to hash it.
    response_etag: str | None = None

    def get_last_modified(self, obj) -> datetime.datetime | None:
        return getattr(obj, "updated_at", None)

    def get_object(self):
        obj = super().get_object()
        self.shown_keys = [pagecache.object_key(obj)]
        return obj

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self.response_last_modified = max(
            filter(None, (self.get_last_modified(obj) for obj in page)), default=None
        )
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.response_last_modified = self.get_last_modified(instance)
        serializer = self.get_serializer(instance)
        return Response(serializer.data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        etag = self.response_etag
        if etag is None:
            body = json.dumps(response.data, cls=DjangoJSONEncoder, sort_keys=True)
            etag = hashlib.sha256(body.encode()).hexdigest()[:40]
        etag = quote_etag(etag)
        response["ETag"] = etag
        if self.surrogate_route is not None:
            pagecache.set_surrogate_keys(response, [self.surrogate_route, *(self.shown_keys or ())])
        last_modified = self.response_last_modified
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        timestamp = (
            int(last_modified.timestamp())  # HTTP dates have whole seconds
            if last_modified is not None and self.action == "retrieve"
            else None
        )
        return get_conditional_response(
            request, etag=etag, last_modified=timestamp, response=response
        )


# --- Serializer helpers --------------------------------------------------------------------


class DateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC, always with its zone: 2025-08-12T09:30:00Z."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(**kwargs)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        # Model DateTimeFields render in UTC whatever the site's TIME_ZONE.
        **{
            model_field: DateTimeField
            for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
            if field is serializers.DateTimeField
        },
    }


class OptionalURLField(serializers.URLField):
    """A blank URL is null, not "" (which is not a URI)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.URI)
class SiteURLField(serializers.Field):
    """The object's public page on the site, as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return absolute(self.context.get("request"), obj.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteURLField(serializers.Field):
    """A path on this site (the attribute named by ``source``), as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, path):
        return absolute(self.context.get("request"), path)


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns, 400 to 500."""

    detail = serializers.CharField(help_text="What went wrong, naming the parameter if one did")
    code = serializers.CharField(help_text="e.g. invalid, not_authenticated, throttled, not_found")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For 400: the messages for each query parameter, by name",
    )


ERROR_RESPONSES = dict.fromkeys((400, 401, 403, 404, 429), ErrorSerializer)


def documented(name: str, plural: str):
    """Summaries, and the JSON errors each endpoint can answer with, in the schema."""

    def decorate(viewset):
        one = viewset.serializer_class
        many = (
            getattr(viewset, "list_serializer_class", None) or one
        )  # a list's items may be leaner
        return extend_schema_view(
            list=extend_schema(summary=f"List {plural}", responses={200: many, **ERROR_RESPONSES}),
            retrieve=extend_schema(summary=f"One {name}", responses={200: one, **ERROR_RESPONSES}),
        )(viewset)

    return decorate


# --- Time filters --------------------------------------------------------------------------


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, moved to UTC: a zone offset like +22:17 is valid ISO but not valid for
    PostgreSQL, and a time near year 1 or 9999 can fall outside the calendar once moved."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("This time is out of range.", code="invalid") from None


class DateTimeFilter(IsoDateTimeFilter):
    """``?name=2025-08-12T09:30:00Z``; a date alone means its midnight, UK time."""

    field_class = UTCIsoDateTimeField


# --- Full-text ?q= ---------------------------------------------------------------------------


def search_q(fields: list[str], text: str):
    """Every word of ``text`` in at least one of ``fields`` (case-insensitive), any database."""
    from django.db.models import Q

    query = Q()
    for word in text.split()[:10]:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        query &= any_field
    return query


# --- The schema says what the API does ---------------------------------------------------------


def require_query_values(result, generator, request, public):
    """drf-spectacular postprocessing hook: every query parameter takes a value (``minLength``
    1 for strings): an empty one is refused with 400 (``FilterBackend``), and the schema says so."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
    return result
