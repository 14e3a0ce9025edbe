"""What keeps pages light (decision 0059) without changing what they show."""

import time

import pytest
from django.urls import reverse

from octopus.core.context import asset_path
from octopus.core.middleware import IDLE_KEY, IDLE_RESOLUTION_SECONDS
from octopus.governance import presenters
from octopus.governance.forms import ConsentForm

pytestmark = pytest.mark.django_db


def test_blank_consent_forms_are_rendered_once_and_match_a_live_render():
    first = presenters.blank_form_fields("consent")

    assert presenters.blank_form_fields("consent") is first
    assert first == presenters._form_fields(ConsentForm(), presenters.PANEL_FORMS["consent"][1])
    assert 'name="kind"' in first and 'name="expires_on"' in first


def test_consent_form_sent_back_with_errors_is_rendered_live():
    form = ConsentForm({"kind": "", "status": ""})
    assert not form.is_valid()

    fields = presenters._form_fields(form, presenters.PANEL_FORMS["consent"][1])

    assert "nhsuk-error-message" in fields and fields != presenters.blank_form_fields("consent")


def test_last_seen_is_written_at_most_once_a_minute(client, make_user):
    client.force_login(make_user("clinician"))
    client.get("/")
    recent = int(time.time()) - 10
    session = client.session
    session[IDLE_KEY] = recent
    session.save()

    client.get("/")
    assert client.session[IDLE_KEY] == recent  # within the resolution: no session write

    session = client.session
    session[IDLE_KEY] = int(time.time()) - IDLE_RESOLUTION_SECONDS - 1
    session.save()
    client.get("/")
    assert client.session[IDLE_KEY] >= int(time.time()) - 2


def test_asset_path_is_under_the_static_url(settings):
    settings.STATIC_URL = "/static/"
    assert asset_path() == "/static/vendor/nhsuk-frontend/assets"


def test_record_page_renders_the_consent_forms(client, make_user):
    from octopus.care import services
    from octopus.directory.models import Organisation, Team
    from octopus.residents.factories import make_resident

    team = Team.objects.create(
        organisation=Organisation.objects.create(name="CLCH", heart="health"), name="DN", tier="consistent"
    )
    nurse = make_user("clinician", team=team, username="nurse-costs")
    resident = make_resident()
    services.open_case(resident, team, nurse, source="search")
    client.force_login(nurse)

    page = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()

    assert "Record a consent decision" in page and str(presenters.blank_form_fields("preference")) in page
