"""The standing notice paged on recipient keys first: the same rows, in the same order, as
paging the full rows, and a constant number of queries whatever the page."""

from django.core.paginator import Paginator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiuzhu.cases import public, services
from jiuzhu.cases.models import Recipient
from jiuzhu.registry.models import Membership
from tests import factories
from tests.cases.conftest import investigate, submit
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

NAMES = ["王老汉", "李秀英", "张三", "欧阳小明", "赵四", "钱五", "孙六"]


def _county(county_admin, dong_e_village, meigui_village):
    """Recipients of two towns in every state and two programmes: only paid dibao ones show."""
    states = ["active", "phase_out", "suspended", "ended", "active", "active", "phase_out"]
    for i, (name, state) in enumerate(zip(NAMES, states, strict=True)):
        village = dong_e_village if i % 2 else meigui_village
        household = make_household(county_admin, village, name)
        make_recipient(county_admin, household, amount=f"{300 + i}.00", status=state)
    tekun = make_household(county_admin, dong_e_village, "周七")
    make_recipient(county_admin, tekun, programme="tekun")


def _paged_whole(region, number):
    """What the board showed before: the full rows paged with an offset."""
    page = Paginator(public.standing_notice(region), 2).get_page(number)
    return page.number, page.paginator.num_pages, public.standing_rows(list(page))


def test_pages_hold_the_same_rows_as_paging_the_full_rows(
    county_admin, dong_e, dong_e_village, meigui_village
):
    _county(county_admin, dong_e_village, meigui_village)
    for region in (None, dong_e):
        for number in ("1", "2", "3", "4", "", "99", "x"):
            page, rows = public.standing_page(region, number, per_page=2)
            assert (page.number, page.paginator.num_pages, rows) == _paged_whole(region, number)
    _page, everyone = public.standing_page(None, 1, per_page=50)
    assert [(r.name, r.amount, r.village, r.members) for r in everyone] == [
        ("李*英", 301, "东阿村", 2),
        ("钱*", 305, "东阿村", 2),
        ("王*汉", 300, "玫瑰村", 2),
        ("赵*", 304, "玫瑰村", 2),
        ("孙*", 306, "玫瑰村", 2),
    ]


def test_the_board_costs_the_same_queries_on_any_page(county_admin, dong_e_village, meigui_village):
    _county(county_admin, dong_e_village, meigui_village)
    factories.county()
    counts = []
    for number in ("1", "3"):
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/notice/", {"page": number})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_notice_counts_current_members_in_its_own_query(staff, poor_household, dong_e):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    assert [(r.name, r.members) for r in public.notices_in_period(dong_e)] == [("王*汉", 2)]
    Membership.objects.filter(household=poor_household, person__name="刘大娘").update(
        end_date=timezone.localdate()
    )
    with CaptureQueriesContext(connection) as queries:
        rows = public.notices_in_period(dong_e)
    assert [(r.name, r.members) for r in rows] == [("王*汉", 1)]
    assert len(queries) == 1


def test_decisions_under_notice_are_paged_on_their_keys(staff, poor_household, dong_e):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    page, rows = public.notices_page(dong_e, 1, per_page=1)
    assert (page.paginator.count, page.number) == (1, 1)
    assert [(r.name, r.members, r.programme) for r in rows] == [("王*汉", 2, "最低生活保障")]
    # A page past the last is the last; the board names the page it shows.
    assert public.notices_page(dong_e, 9, per_page=1)[0].number == 1
    html = Client().get("/notice/", {"notices_page": "x"}).content.decode()
    assert "王*汉" in html


def test_a_visitors_board_is_kept_until_a_case_or_recipient_changes(
    county_admin, dong_e_village, meigui_village, staff
):
    _county(county_admin, dong_e_village, meigui_village)
    first = Client().get("/notice/", {"page": "1"}).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = Client().get("/notice/", {"page": "1"}).content.decode()
    assert (again, len(queries)) == (first, 0)
    assert "钱*" in first and "钱五" not in first
    # A recipient who leaves the notice is gone from the very next board.
    recipient = Recipient.objects.get(household__memberships__person__name="钱五")
    recipient.status = "ended"
    recipient.save()
    after = Client().get("/notice/", {"page": "1"}).content.decode()
    assert "钱*" not in after and "李*英" in after
    # Staff, signed in, get their own board (with their menu), never a visitor's.
    signed_in = client_for(staff["coordinator"]).get("/notice/", {"page": "1"}).content.decode()
    assert "李*英" in signed_in and signed_in != after
