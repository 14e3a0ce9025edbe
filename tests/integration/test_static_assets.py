"""Every asset a page or a stylesheet asks for exists (issue #25: the NHS.UK cross icon 404ed on
every page with a search box, because the vendored stylesheet pointed at /assets/ on the site root)."""

import re
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"""(?:href|src)=["']([^"'#?]+)""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')?#]+)""")


def _static_name(url: str) -> str | None:
    return url[len(settings.STATIC_URL) :] if url.startswith(settings.STATIC_URL) else None


def _missing_in_stylesheet(name: str) -> list[str]:
    missing = []
    text = open(finders.find(name), encoding="utf-8").read()
    for reference in CSS_URL.findall(text):
        if reference.startswith("data:"):
            continue
        resolved = _static_name(urljoin(settings.STATIC_URL + name, reference))
        if resolved is None or finders.find(resolved) is None:
            missing.append(f"{name} -> {reference}")
    return missing


@pytest.mark.parametrize("page", ["home", "directory:index", "login"])
def test_every_asset_a_page_references_is_served(client, make_user, page):
    if page != "login":
        client.force_login(make_user("clinician"))
    body = client.get(reverse(page), follow=True).content.decode()
    names = [name for name in map(_static_name, REFERENCE.findall(body)) if name]
    assert names, "the page references no static files: the pattern is wrong"
    missing = [name for name in names if finders.find(name) is None]
    for name in names:
        if name.endswith(".css") and finders.find(name):
            missing += _missing_in_stylesheet(name)
    assert not missing, missing
