"""Residents and relationships for governance tests.

The caseload and referral providers belong to other apps; these tests register their own
"test" provider so access can be granted and withdrawn precisely.
"""

import itertools

import pytest
from django.db.models import Q

from octopus.governance import access

_counter = itertools.count(1)
_RELATED: dict[int, set[int]] = {}
TEST_KIND = "test_relationship"
TEST_BASIS = "Test relationship"


def make_resident(**fields):
    from octopus.residents.models import Resident

    n = next(_counter)
    defaults = {
        "person_id": f"P{n:06d}",
        "nhs_number": f"94{n:08d}"[:10],
        "given_name": "Test",
        "family_name": f"Resident{n}",
        "address_line": "1 Test Street",
        "postcode": "W2 1NY",
        "phone": "020 7946 0000",
        "email": "resident@example.org",
    }
    defaults.update(fields)
    return Resident.objects.create(**defaults)


def _provider(user):
    return Q(pk__in=list(_RELATED.get(user.pk, ())))


@pytest.fixture
def relate():
    """relate(user, resident): a legitimate relationship, through a test-only provider."""
    access.register(TEST_KIND, TEST_BASIS)(_provider)

    def _relate(user, resident):
        _RELATED.setdefault(user.pk, set()).add(resident.pk)

    yield _relate
    _RELATED.clear()
    access.unregister(TEST_KIND)
