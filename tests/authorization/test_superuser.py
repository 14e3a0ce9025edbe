"""A Django superuser (``createsuperuser``) is not a way round the access point or the approval of
roles (decision 0020): Octopus grants capabilities only through approved team memberships, and the
Django admin site lists no model that holds or grants access to resident data."""

import pytest
from django.contrib import admin
from django.urls import reverse

from octopus.accounts.models import User
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(user)
    return user


def test_superuser_holds_no_capability_and_opens_no_record(client, superuser):
    resident = make_resident(given_name="Marigold", family_name="Scopewell")
    assert not superuser.capabilities
    response = client.get(reverse("residents:record", args=[resident.person_id]))
    assert response.status_code == 403 and "Scopewell" not in response.content.decode()
    assert client.get(f"/api/residents/{resident.person_id}").status_code in (401, 403)
    assert client.get(reverse("governance:audit")).status_code == 403


def test_admin_site_registers_only_directory_models(client, superuser):
    apps = {model._meta.app_label for model in admin.site._registry}
    assert apps == {"directory"}, apps
    for path in (
        "/django-admin/accounts/user/",
        "/django-admin/accounts/membership/",
        "/django-admin/residents/resident/",
        "/django-admin/governance/auditevent/",
    ):
        assert client.get(path).status_code == 404, path
