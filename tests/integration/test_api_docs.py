"""The API documentation page: generated on the server from the OpenAPI schema, so it works under
the Content-Security-Policy (no scripts) and lists every operation the API has."""

import pytest

from octopus.api.docs import operations
from octopus.api.endpoints import api

pytestmark = pytest.mark.django_db


def test_docs_page_lists_every_operation_without_scripts(client, make_user):
    client.force_login(make_user("clinician"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    schema = api.get_openapi_schema()
    for path in schema["paths"]:
        assert path in body, f"{path} missing from the docs page"
    # No third-party assets (a random CSRF token may contain the letters "cdn": look for hosts).
    assert '<script src="http' not in body and "//cdn" not in body.lower() and "cdn." not in body.lower()
    assert "Content-Security-Policy" in response.headers or "Content-Security-Policy-Report-Only" in response.headers
    assert "Condition" in body and "UK Core Patient" in body


def test_operations_describe_request_bodies():
    grouped = operations(api.get_openapi_schema())
    [save] = [op for op in grouped["care"] if op.method == "PUT"]
    assert ("version", "integer", True) == save.body[0][:3]
