"""schemathesis against the API's own OpenAPI schema: generated requests for every operation,
as a signed-in clinician, must never produce a server error or a response that breaks the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, status_code_conformance

from octopus.api.endpoints import api

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())

# Every JSON operation (about 20 and growing) gets a fixed number of derandomised examples, so the
# run is bounded and repeatable; `slow` keeps it out of `make test-fast`, `make test` runs it.
pytestmark = pytest.mark.slow


@pytest.fixture
def session_headers(live_server, make_user):
    from django.test import Client

    from octopus.residents.factories import make_resident

    user = make_user("clinician")
    make_resident()
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_has_no_server_errors_or_schema_violations(case, live_server, session_headers):
    # Status codes the schema does not list (422 for a malformed query, 403 for a resident without
    # a relationship) are correct refusals, not faults; everything else is checked.
    case.call_and_validate(
        base_url=live_server.url,
        headers=session_headers,
        excluded_checks=[status_code_conformance, negative_data_rejection],
    )
