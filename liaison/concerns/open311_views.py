"""Open311 GeoReport v2 endpoints (liaison/concerns/open311.py): JSON and XML.

Keyed by `api_key`, never by the browser's session: the views do not look at
`request.user`, and they are CSRF-exempt (a cookie grants nothing here).
"""

from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import open311
from .open311 import Open311Error

# Children of a list element in the XML shape of the specification.
XML_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for name, value in data.items():
        child = ET.SubElement(element, name)
        if isinstance(value, list):
            item_tag = XML_ITEMS.get(name, "item")
            for item in value:
                node = ET.SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """`data` (a list of `item`s, or one dict) under `root`, UTF-8 with its declaration."""
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for row in data:
            _fill(ET.SubElement(element, item), row)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _answer(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, item, data), status=status, content_type="text/xml; charset=utf-8"
        )
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": error.code, "description": error.description}]
    response = _answer(fmt, "errors", "error", rows, status=error.code)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@csrf_exempt
@require_GET
@_guarded
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311-root"))
    return _answer(fmt, "discovery", None, open311.Discovery(url).as_dict())


@csrf_exempt
@require_GET
@_guarded
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    open311.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return _answer(fmt, "services", "service", open311.service_list())


@csrf_exempt
@require_GET
@_guarded
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    open311.check_jurisdiction(request.GET.get("jurisdiction_id"))
    return _answer(fmt, "service_definition", None, open311.service_definition(code))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guarded
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("api_key") and request.GET.get("api_key"):
            data["api_key"] = request.GET["api_key"]  # some clients send it in the query
        key = open311.key_for(data.get("api_key"))
        created = open311.request_create(data, request.FILES.getlist("media"), key)
        return _answer(fmt, "service_requests", "request", created, status=201)
    key = open311.key_for(request.GET.get("api_key"))
    return _answer(fmt, "service_requests", "request", open311.request_list(request.GET, key))


@csrf_exempt
@require_GET
@_guarded
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    key = open311.key_for(request.GET.get("api_key"))
    open311.check_jurisdiction(request.GET.get("jurisdiction_id"))
    found = open311.request_get(service_request_id, key)
    return _answer(fmt, "service_requests", "request", found)


def root(request: HttpRequest) -> HttpResponse:
    """/open311/v2/ itself: where discovery is."""
    return JsonResponse(
        {"discovery": request.build_absolute_uri(reverse("open311-discovery", args=["json"]))}
    )
