import base64
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from jiuzhu.core import crypto
from jiuzhu.core.roles import Role, two_factor_required
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameter_files import load_parameters
from tests import factories


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With JIUZHU_TEST_PARTITIONED=1 (PostgreSQL), the tests run on payroll lines and an
    access log partitioned by month (`jiuzhu partition convert`, docs/deploy.md §8)."""
    if os.environ.get("JIUZHU_TEST_PARTITIONED") == "1":
        with django_db_blocker.unblock():
            call_command("partition", "convert")


@pytest.fixture
def dong_e(db):
    return factories.town("370124102", "东阿镇")


@pytest.fixture
def meigui(db):
    return factories.town("370124106", "玫瑰镇")


@pytest.fixture
def dong_e_village(dong_e):
    return factories.village(dong_e, 201, "东阿村")


@pytest.fixture
def meigui_village(meigui):
    return factories.village(meigui, 201, "玫瑰村")


@pytest.fixture
def county_admin(db):
    return factories.user(Role.COUNTY_ADMIN, factories.county())


@pytest.fixture
def dong_e_assistant(dong_e):
    return factories.user(Role.TOWN_ASSISTANT, dong_e)


def client_for(user) -> Client:
    """A client signed in as the user; for a user who must use two factors, with the second
    step passed (an authenticator of theirs verified the session)."""
    client = Client()
    client.force_login(user)
    if two_factor_required(user):
        factories.pass_second_step(client, user)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing kept from another (the notice boards, the portal's
    counters): the database it saw is gone."""
    cache.clear()


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Each test gets its own data directory (uploads, snapshots)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def shipped_parameters(transactional_db):
    """Transactional tests flush the tables that data migrations fill: put the shipped
    policy parameters back (the loader the migrations use; it adds only what is missing)."""
    load_parameters(Parameter)


# The data key tests/settings.py sets (id "t1"), and another for rotation and wrong-key tests.
TEST_DATA_KEY = "dGVzdC1vbmx5LWRhdGEta2V5LTAxMjM0NTY3ODlhYmM="
OTHER_DATA_KEY = base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def data_keys(settings):
    """Swap the encryption keys for one test: `data_keys("t2:…,t1:…", search_key=None)`;
    the test keys are back afterwards."""

    def use(keys: str, search_key: str | None = None) -> None:
        settings.DATA_KEYS = keys
        if search_key is not None:
            settings.SEARCH_KEY = search_key
        crypto.keyring.cache_clear()

    yield use
    crypto.keyring.cache_clear()
