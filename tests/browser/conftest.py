"""Browser tests: Debian's Chromium driven by Playwright, with axe on every page visited."""

import os
import shutil

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("OCTOPUS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The browser tests run on in-memory SQLite, whose one connection the live server shares with the
# test. A threaded live server let two of the browser's requests use it at once (a page and the
# offline worker's fetches, say), and SQLite refused one with "cannot open savepoint - SQL
# statements in progress" (test_amina_on_the_doorstep, once in a fresh clone). One request at a
# time, in the live server's own thread (which already uses the shared connection): Django's
# server then closes each connection after its response.
class _OneRequestAtATime(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = _OneRequestAtATime

# axe impacts that fail a page. Moderate/minor findings are reported but do not fail.
FAILING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. `make test` installs Debian's chromium when run as "
            "root; otherwise run `sudo apt-get install chromium` or set OCTOPUS_CHROMIUM."
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body (fixtures, assertions) are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """A browser tab that checks every page it lands on with axe."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.checked: list[str] = []

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()
        return self.page

    def check_accessibility(self):
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        failing = [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]
        self.checked.append(self.page.url)
        assert not failing, f"axe found serious accessibility problems on {self.page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}" for v in failing
        )

    def sign_in(self, username: str, password: str = "pw-for-tests-only"):
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        self.check_accessibility()


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    yield Pages(page, live_server.url)
    context.close()
    csp = [e for e in console_errors if "Content Security Policy" in e]
    assert not csp, f"Content-Security-Policy violations: {csp}"


@pytest.fixture
def phone_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield Pages(page, live_server.url)
    context.close()
