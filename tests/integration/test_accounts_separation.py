"""Separation of duties (decision 0020): roles that open resident data need a second person."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from octopus.accounts import services
from octopus.accounts.models import Membership, MembershipGrant
from octopus.accounts.roles import parse_roles
from octopus.config import ConfigError
from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db


def _team(user):
    return user.memberships.get().team


def test_administrator_granting_self_clinical_role_is_refused(make_user):
    admin = make_user("system_admin")
    with pytest.raises(
        ValidationError, match="cannot both administer accounts and hold a role that opens resident data"
    ):
        services.request_membership(actor=admin, user=admin, team=_team(admin), role="clinician")
    assert not MembershipGrant.objects.filter(user=admin).exists()
    assert set(admin.memberships.values_list("role", flat=True)) == {"system_admin"}


def test_clinician_cannot_be_made_administrator(make_user):
    admin = make_user("system_admin")
    nurse = make_user("clinician")
    with pytest.raises(ValidationError, match="cannot both administer"):
        services.request_membership(actor=admin, user=nurse, team=_team(nurse), role="system_admin")


def test_clinical_role_waits_for_approval_and_administrator_cannot_approve(make_user):
    admin = make_user("system_admin")
    newcomer = make_user("analyst")
    grant = services.request_membership(actor=admin, user=newcomer, team=_team(newcomer), role="clinician")
    assert grant.status == "pending"
    assert not Membership.objects.filter(user=newcomer, role="clinician").exists()
    with pytest.raises(PermissionDenied, match="Only the information governance lead or a team manager"):
        services.approve_grant(actor=admin, grant=grant)
    grant.refresh_from_db()
    assert grant.status == "pending"


def test_ig_lead_approval_gives_the_role_and_is_audited(make_user):
    admin = make_user("system_admin")
    ig_lead = make_user("ig_lead")
    newcomer = make_user("analyst", username="newcomer")
    grant = services.request_membership(actor=admin, user=newcomer, team=_team(newcomer), role="clinician")
    services.approve_grant(actor=ig_lead, grant=grant, note="Starts Monday")
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by, grant.decision_note) == ("approved", ig_lead, "Starts Monday")
    assert Membership.objects.filter(user=newcomer, role="clinician").exists()
    entries = list(
        AuditEvent.objects.filter(object_type="MembershipGrant", object_id=str(grant.pk)).values_list(
            "username", "summary"
        )
    )
    assert entries[0][0] == admin.username and "waiting for approval" in entries[0][1]
    assert entries[1] == (ig_lead.username, f"Approved newcomer as clinician in {grant.team.name}")


def test_nobody_approves_their_own_request_or_their_own_access(make_user):
    ig_lead = make_user("ig_lead")
    other_ig_lead = make_user("ig_lead")
    newcomer = make_user("analyst")
    asked_by_lead = MembershipGrant.objects.create(
        user=newcomer,
        team=_team(newcomer),
        role="clinician",
        requested_by=ig_lead,
        requested_at="2026-11-01T10:00Z",
        via="test",
    )
    with pytest.raises(PermissionDenied, match="cannot also approve"):
        services.approve_grant(actor=ig_lead, grant=asked_by_lead)
    for_self = MembershipGrant.objects.create(
        user=other_ig_lead,
        team=_team(newcomer),
        role="clinician",
        requested_by=None,
        requested_at="2026-11-01T10:00Z",
        via="test",
    )
    with pytest.raises(PermissionDenied, match="their own access"):
        services.approve_grant(actor=other_ig_lead, grant=for_self)


def test_team_manager_decides_only_for_own_teams(make_user):
    from octopus.directory.models import Organisation, Team

    admin = make_user("system_admin")
    manager = make_user("int_manager")
    elsewhere = Team.objects.create(
        organisation=Organisation.objects.create(name="Elsewhere", heart="health"),
        name="Elsewhere Team",
        tier="consistent",
    )
    newcomer = make_user("analyst")
    grant = services.request_membership(actor=admin, user=newcomer, team=elsewhere, role="social_worker")
    with pytest.raises(PermissionDenied, match="their own teams"):
        services.approve_grant(actor=manager, grant=grant)
    own = services.request_membership(actor=admin, user=newcomer, team=_team(manager), role="social_worker")
    services.approve_grant(actor=manager, grant=own)
    assert Membership.objects.filter(user=newcomer, role="social_worker", team=_team(manager)).exists()


def test_refusal_needs_a_reason_and_gives_nothing(make_user):
    admin = make_user("system_admin")
    ig_lead = make_user("ig_lead")
    newcomer = make_user("analyst")
    grant = services.request_membership(actor=admin, user=newcomer, team=_team(newcomer), role="clinician")
    with pytest.raises(ValidationError, match="Say why"):
        services.refuse_grant(actor=ig_lead, grant=grant, note=" ")
    services.refuse_grant(actor=ig_lead, grant=grant, note="Not on the staff list")
    grant.refresh_from_db()
    assert grant.status == "refused"
    assert not Membership.objects.filter(user=newcomer, role="clinician").exists()
    with pytest.raises(ValidationError, match="already refused"):
        services.approve_grant(actor=ig_lead, grant=grant)


def test_command_line_grant_is_approved_at_once_as_the_operator(make_user):
    from octopus.directory.models import Organisation, Team

    team = Team.objects.create(
        organisation=Organisation.objects.create(name="Org", heart="health"), name="T", tier="consistent"
    )
    user = services.create_user(
        actor=None, username="bootstrap", password="a-long-password-1", team=team, role="clinician"
    )
    grant = user.membership_grants.get()
    assert grant.status == "approved" and grant.via.startswith("server command line")
    assert user.has_capability("view_residents")
    assert AuditEvent.objects.filter(
        summary__startswith="Granted bootstrap clinician in T at the server command line"
    ).exists()


def test_directory_only_role_takes_effect_without_approval(make_user):
    admin = make_user("system_admin")
    other_admin = make_user("analyst")
    grant = services.request_membership(
        actor=admin, user=make_user("system_admin"), team=_team(other_admin), role="system_admin"
    )
    assert grant.status == "approved"


def test_roles_file_refuses_administer_with_resident_data():
    text = """
capabilities: {administer: a, view_residents: b}
roles:
  superuser: {label: Everything, capabilities: [administer, view_residents]}
"""
    with pytest.raises(ConfigError, match="roles.superuser.capabilities: 'administer' cannot go with"):
        parse_roles(text, "roles.yaml")


def test_admin_page_asks_and_ig_lead_page_approves(client, make_user):
    admin = make_user("system_admin")
    ig_lead = make_user("ig_lead")
    newcomer = make_user("analyst", username="newcomer")
    client.force_login(admin)
    response = client.post(
        reverse("administration:user", args=[newcomer.pk]),
        {"team": _team(newcomer).pk, "role": "clinician"},
        follow=True,
    )
    assert "takes effect when the information governance lead" in response.content.decode()
    grant = MembershipGrant.objects.get(user=newcomer, role="clinician")
    assert (
        client.post(reverse("governance:access-approval-decide", args=[grant.pk]), {"decision": "approve"}).status_code
        == 403
    )

    client.force_login(ig_lead)
    page = client.get(reverse("governance:access-approvals")).content.decode()
    assert "newcomer" in page and "INT clinician" in page
    client.post(reverse("governance:access-approval-decide", args=[grant.pk]), {"decision": "approve", "note": "ok"})
    grant.refresh_from_db()
    assert grant.status == "approved" and grant.decided_by == ig_lead
    everything = client.get(reverse("governance:access-approvals") + "?show=all").content.decode()
    assert "Approved" in everything and "ok" in everything


def test_createuser_command_grants_the_role_as_the_server_operator(make_user):
    from typer.testing import CliRunner

    from octopus.accounts.models import User
    from octopus.cli import app

    team = _team(make_user("system_admin"))
    result = CliRunner().invoke(
        app,
        ["createuser", "matron", "--role", "clinician", "--team", team.name, "--password-stdin"],
        input="a-long-enough-password-9\n",
    )
    assert result.exit_code == 0, result.output
    matron = User.objects.get(username="matron")
    assert matron.has_capability("view_residents")
    grant = matron.membership_grants.get()
    assert (
        grant.status == "approved"
        and grant.requested_by is None
        and grant.via.startswith("server command line (operator ")
    )
