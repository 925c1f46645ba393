"""A list's page of rows that join others: the page's keys are taken first, then those rows
with what they join, in the list's order (core.lists.KeysFirstPaginator)."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from jiuzhu.core import lists
from jiuzhu.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(dong_e, dong_e_village):
    for n, region in enumerate([dong_e, dong_e_village] * 3):
        User.objects.create_user(f"paging{n}", role="town_assistant", region=region)
    return User.objects.filter(username__startswith="paging")


def test_each_page_holds_the_rows_of_a_plain_slice_in_order_with_their_joins(users):
    listed = users.select_related("region").order_by("region__name", "-username")
    expected = [(u.username, u.region.name) for u in users.order_by("region__name", "-username")]
    seen = []
    for number in (1, 2, 3):
        request = RequestFactory().get("/", {"page": number})
        page = lists.page(request, listed, size=2)
        assert isinstance(page.paginator, lists.KeysFirstPaginator)
        with CaptureQueriesContext(connection) as queries:
            seen += [(user.username, user.region.name) for user in page]
        assert len(queries) == 0  # the rows came with their regions
    assert seen == expected
    assert page.paginator.count == 6 and not page.has_next()


def test_a_list_without_joins_pages_as_it_did(users):
    page = lists.page(RequestFactory().get("/", {"page": "x"}), users.order_by("username"), 4)
    assert type(page.paginator) is lists.Paginator
    assert [u.username for u in page] == ["paging0", "paging1", "paging2", "paging3"]
