"""Browser tests: Playwright driving Debian's chromium against the live test server."""

import os
import shutil

import pytest
from django.apps import apps
from django.db import connection, transaction

from jiuzhu.core.roles import two_factor_required
from jiuzhu.core.two_factor import current_code
from jiuzhu.payments.models import Payroll
from tests import factories
from tests.cases.conftest import poor_household, staff  # noqa: F401  (fixtures)
from tests.payments.conftest import pay_staff  # noqa: F401  (fixtures)

# Playwright's sync API runs an event loop in the test thread; the ORM calls in fixtures
# are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI installs Debian's chromium)")
    # Imported here: playwright is optional, needed only when the browser tests run.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, live_server, user, password):
    """Sign in through the login page; a user who must use two factors has an authenticator
    (made here when missing) and types its current code on the code step."""
    device = factories.authenticator(user) if two_factor_required(user) else None
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(f"{live_server.url}/core/two-factor/verify/")
        page.fill("#id_code", current_code(device))
        page.click("main button:has-text('验证')")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture(autouse=True)
def parameters_in_place(shipped_parameters):
    """Every browser journey needs the shipped policy parameters (see tests/conftest.py)."""


@pytest.fixture(autouse=True)
def lift_payroll_guards_for_flush(transactional_db):
    """Database triggers guard locked payrolls and payrolls that have lines. On SQLite they
    also refuse the DELETEs with which a transactional test empties its tables afterwards
    (PostgreSQL's TRUNCATE does not fire them), so the payments tables are emptied first,
    with the triggers lifted for that moment and put back as they were."""
    yield

    if connection.vendor != "sqlite" or not Payroll.objects.exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name LIKE 'payments%'"
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        for model in apps.get_app_config("payments").get_models():
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')
        for _name, sql in triggers:
            cursor.execute(sql)
