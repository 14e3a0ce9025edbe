"""The API's documentation page, rendered on the server from the OpenAPI schema and the FHIR
CapabilityStatement. The usual browsable docs (Swagger UI, Redoc) run scripts that the site's
Content-Security-Policy refuses; a server-rendered page needs none and cannot drift from the API,
because it is read from the same schema (decision 0033)."""

from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require

from .fhir.capability import SERVED

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[tuple[str, str, bool, str]]  # name, where, required, description
    body: list[tuple[str, str, bool, str]]  # field, type, required, description
    responses: list[tuple[str, str]]


def _type(prop: dict, components: dict) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type(p, components) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}), components)}"
    if "enum" in prop:
        return " | ".join(map(str, prop["enum"]))
    return prop.get("format") or prop.get("type", "object")


def _body(operation: dict, components: dict) -> list[tuple[str, str, bool, str]]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    ref = content["schema"].get("$ref", "")
    schema = components.get(ref.rsplit("/", 1)[-1], content["schema"])
    required = set(schema.get("required", []))
    return [
        (name, _type(prop, components), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(schema: dict) -> dict[str, list[Operation]]:
    """The schema's operations grouped by tag, in the order the API declares them."""
    components = schema.get("components", {}).get("schemas", {})
    grouped: dict[str, list[Operation]] = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            grouped.setdefault((op.get("tags") or ["other"])[0], []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=[
                        (p["name"], p["in"], p.get("required", False), p.get("description", ""))
                        for p in op.get("parameters", [])
                    ],
                    body=_body(op, components),
                    responses=[(code, r.get("description", "")) for code, r in op.get("responses", {}).items()],
                )
            )
    return grouped


@require_GET
@require("view_directory")
def docs(request):
    from .endpoints import api

    return render(
        request,
        "api/docs.jinja",
        {
            "groups": operations(api.get_openapi_schema()),
            "fhir": [(name, profile, readable, params) for name, (profile, readable, params) in SERVED.items()],
        },
    )
