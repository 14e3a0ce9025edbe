"""Every outreach page that shows a resident writes exactly one audit entry per resident shown,
with the outreach basis; every page and change that shows none is audited without a resident.

The generic check (test_audit_completeness.py) relates the user to the world resident, which
gives no allocation; here the CHWW holds a real one. Every outreach URL must be listed below,
so a new page cannot skip the check."""

import pytest
from django.urls import reverse

from octopus.governance.models import AuditEvent
from octopus.outreach import relationships
from tests.outreach_factories import church_street

from .test_authorization_matrix import url_names

pytestmark = pytest.mark.django_db

# URL name -> (who, method, args, data, the residents whose entries are expected)
SHOWS_RESIDENTS = {
    "outreach:household": ("chww", "get", ["first"], None, ["older", "younger"]),
    "outreach:visit": ("chww", "post", ["first"], {"outcome": "spoke", "spoke_with": "older"}, ["older"]),
    "outreach:introduce": ("chww", "get", ["first", "older"], None, ["older"]),
}
SHOWS_NO_RESIDENT = {
    "outreach:index": ("chww", "get", [], None),
    "outreach:resident": ("chww", "get", ["older"], None),
    "outreach:rounds": ("planner", "get", [], None),
    "outreach:round_create": ("planner", "get", [], None),
    "outreach:round": ("planner", "get", ["round"], None),
    "outreach:allocate": ("planner", "get", ["round"], {"area": "Church"}),
    "outreach:round_withdraw": ("planner", "post", ["round"], {"reason": "Estate decanted"}),
    "outreach:allocation_withdraw": ("planner", "post", ["second"], None),
    "outreach:supervision": ("planner", "get", [], None),
    "outreach:plan": ("planner", "post", [], {"month": "2026-12"}),
    "outreach:plan_job": ("planner", "get", ["plan_job"], None),
    "outreach:plan_job_status": ("planner", "get", ["plan_job"], None),
    "outreach:areas": ("planner", "get", [], None),
    "outreach:service_worker": ("chww", "get", [], None),
}
# Pages that show nothing about anyone, so write no entry: a redirect, an empty form and the
# phone's service worker (code).
NOTHING_SHOWN = {"outreach:resident", "outreach:round_create", "outreach:service_worker", "outreach:plan_job_status"}


def test_every_outreach_url_is_checked():
    names = {n for n in url_names() if n.startswith("outreach:")}
    assert names == set(SHOWS_RESIDENTS) | set(SHOWS_NO_RESIDENT), (
        "List each outreach URL in SHOWS_RESIDENTS or SHOWS_NO_RESIDENT."
    )


def _arg(street, key):
    if key == "plan_job" and key not in street:
        from octopus.outreach import services

        street[key] = services.request_plan(street["planner"], "2026-12", [street["households"][0].lsoa_code])
    value = street[key]
    return getattr(value, "person_id", None) or value.pk


def _request(client, street, name, method, args, data):
    url = reverse(name, args=[_arg(street, a) for a in args])
    data = {k: (street[v].person_id if v in ("older", "younger") else v) for k, v in (data or {}).items()}
    return client.post(url, data) if method == "post" else client.get(url, data)


@pytest.mark.parametrize("name", sorted(SHOWS_RESIDENTS))
def test_outreach_page_audits_each_resident_shown_once(client, make_user, name):
    street = church_street(make_user)
    who, method, args, data, expected = SHOWS_RESIDENTS[name]
    client.force_login(street[who])
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = _request(client, street, name, method, args, data)
    assert response.status_code in (200, 302), f"{name}: HTTP {response.status_code}"
    events = list(AuditEvent.objects.filter(id__gt=before, resident_id__gt="").order_by("id"))
    assert sorted(e.resident_id for e in events) == sorted(street[k].person_id for k in expected), [
        e.summary for e in events
    ]
    assert all(e.basis == relationships.BASIS and e.username == street[who].username and e.path for e in events)


@pytest.mark.parametrize("name", sorted(SHOWS_NO_RESIDENT))
def test_outreach_page_without_residents_names_none_in_the_audit(client, make_user, name):
    street = church_street(make_user)
    who, method, args, data = SHOWS_NO_RESIDENT[name]
    client.force_login(street[who])
    for key in args:  # a plan job is made (and audited) before the page under test is opened
        _arg(street, key)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = _request(client, street, name, method, args, data)
    assert response.status_code in (200, 302), f"{name}: HTTP {response.status_code}"
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert all(e.resident_id == "" for e in events), [e.summary for e in events]
    if name not in NOTHING_SHOWN:
        assert len(events) == 1 and events[0].username == street[who].username, [e.summary for e in events]
