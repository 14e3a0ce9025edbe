"""In a real browser: a script typed into a user's name never runs, and shows as text."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def test_hostile_user_name_is_shown_as_text_not_run(browser_page, make_user):
    make_user("system_admin", username="admin")
    browser_page.sign_in("admin")
    page = browser_page.page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_page.goto("/administration/users/new/")
    page.get_by_label("Username").fill("hostile")
    page.get_by_label("First name").fill(PAYLOAD)
    page.get_by_label("Last name").fill("Person")
    page.get_by_label("Email").fill("hostile@example.nhs.uk")
    page.get_by_label("Team").select_option(index=1)
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    browser_page.goto("/administration/")
    assert page.title() != "pwned"
    assert not dialogs
    cell = page.get_by_role("cell", name="Person")
    assert PAYLOAD in cell.inner_text()

    from octopus.accounts.models import User

    assert User.objects.get(username="hostile").first_name == PAYLOAD
