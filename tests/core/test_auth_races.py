"""Concurrent sign-ins on PostgreSQL: no 500, one trusted-client record, every token issued."""

import threading

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from jiuzhu.core.models import ApiToken, TrustedLoginClient
from jiuzhu.core.roles import Role
from tests import factories
from tests.api.helpers import signed_in

SIGN_INS = 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency test needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_first_sign_ins_from_one_client_at_once_all_succeed():
    user = factories.user(Role.TOWN_ASSISTANT, factories.town())
    statuses: list[int] = []
    barrier = threading.Barrier(SIGN_INS)

    # Each a session past the second step (a town assistant signs in with two factors).
    clients = [signed_in(user) for _ in range(SIGN_INS)]

    def sign_in(client: APIClient) -> None:
        close_old_connections()
        try:
            barrier.wait()
            response = client.post(
                "/api/auth/token/",
                {"username": user.username, "password": factories.PASSWORD},
                format="json",
                REMOTE_ADDR="192.0.2.10",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()  # each thread's own connection, or teardown cannot drop the db

    threads = [threading.Thread(target=sign_in, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * SIGN_INS
    assert TrustedLoginClient.objects.filter(client="192.0.2.10").count() == 1
    assert ApiToken.objects.filter(user=user).count() == SIGN_INS
