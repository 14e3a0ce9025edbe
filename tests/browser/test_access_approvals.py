"""The IG lead approves a role an administrator asked for, in a real browser (axe on each page)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_ig_lead_approves_pending_role_in_browser(browser_page, make_user):
    from octopus.accounts import services
    from octopus.accounts.models import MembershipGrant

    admin = make_user("system_admin")
    newcomer = make_user("analyst", username="newcomer", first_name="Nadia", last_name="Khan")
    services.request_membership(actor=admin, user=newcomer, team=newcomer.memberships.get().team, role="clinician")
    make_user("ig_lead", username="iglead")

    browser_page.sign_in("iglead")
    page = browser_page.goto("/governance/access-approvals/")
    assert page.get_by_role("cell", name="Nadia Khan (newcomer)").is_visible()
    page.get_by_label("Approve").check()
    page.get_by_label("Note (required when refusing)").fill("Starts on the ward Monday")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Approved: newcomer is now INT clinician").is_visible()
    grant = MembershipGrant.objects.get(user=newcomer, role="clinician")
    assert (grant.status, grant.decided_by.username, grant.decision_note) == (
        "approved",
        "iglead",
        "Starts on the ward Monday",
    )
