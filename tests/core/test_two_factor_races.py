"""The same code from several sessions at once, on PostgreSQL: exactly one gets in, the
others are refused in Chinese, never a 500."""

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.core.two_factor import current_code
from tests import factories

SESSIONS = 4
CODE_FAILED = "验证失败：验证码或恢复码不正确、已用过，或尝试过于频繁，请核对后稍候再试。"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def at_once(user: User, code: Callable[[], str]) -> list[str]:
    """Sign in SESSIONS clients with the password, then post the same code from all at
    once; what each got: "in", "refused", or the status of anything else."""
    clients = []
    for _ in range(SESSIONS):
        client = Client(REMOTE_ADDR="192.0.2.20")
        credentials = {"username": user.username, "password": factories.PASSWORD}
        assert client.post("/login/", credentials)["Location"] == "/core/two-factor/verify/"
        clients.append(client)
    given = code()
    outcomes: list[str] = []
    barrier = threading.Barrier(SESSIONS)

    def post(client: Client) -> None:
        close_old_connections()
        try:
            barrier.wait()
            response = client.post("/core/two-factor/verify/", {"code": given})
            if response.status_code == 302 and response["Location"] == "/":
                outcomes.append("in")
            elif CODE_FAILED in response.content.decode():
                outcomes.append("refused")
            else:
                outcomes.append(str(response.status_code))
        finally:
            connection.close()  # each thread's own connection, or teardown cannot drop the db

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_one_totp_code_signs_in_one_session():
    user = factories.user(Role.COUNTY_ADMIN, factories.county())
    device = factories.authenticator(user)
    assert at_once(user, lambda: current_code(device)) == ["in"] + ["refused"] * (SESSIONS - 1)


def test_one_recovery_code_signs_in_one_session():
    user = factories.user(Role.COUNTY_ADMIN, factories.county())
    factories.authenticator(user)
    device = user.staticdevice_set.create(name="恢复码", confirmed=True)
    device.token_set.create(token="abcd2345")
    assert at_once(user, lambda: "abcd2345") == ["in"] + ["refused"] * (SESSIONS - 1)
    assert not StaticToken.objects.exists()
