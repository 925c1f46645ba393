"""The pages staff open all day read a fixed number of queries, however much the household
or the town holds: each query costs the server its compilation (bench/bench_staff_load.py).
A household file of an elder supported as tekun, with incomes and assets of a member, a
case in force and a care fact; the case list of a town with cases and reviews due."""

import datetime as dt

import pytest

from jiuzhu.cases import care, services
from jiuzhu.cases.models import Recipient
from jiuzhu.registry import services as registry
from jiuzhu.registry.care.models import SelfCareAssessment
from jiuzhu.registry.care.selectors import care_facts
from tests import factories
from tests.cases.conftest import assess, elderly_alone, in_force, set_today, submit
from tests.conftest import client_for

TODAY = dt.date(2026, 12, 1)

# Every signed-in page: the session, the user with their region, and the authenticator (the
# session's new expiry is written by the warm-up request: at most once a minute).
SIGNED_IN = 3


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    set_today(monkeypatch, TODAY)


def _tekun_in_force(staff, monkeypatch, village, admin, name, reassess_by=None):
    """An elder living alone, assessed today (to be reassessed by `reassess_by`, a year
    later by default), and supported as tekun from the next month."""
    household, person = elderly_alone(admin, village, name)
    services.assess_self_care(
        staff["assistant"], person, TODAY, "王评估", "县社会福利中心", (), reassess_by
    )
    case = in_force(staff, household, monkeypatch, "tekun", beneficiary=person)
    set_today(monkeypatch, TODAY)
    return household, person, case


@pytest.mark.django_db
def test_the_household_file_reads_a_fixed_number_of_queries(
    staff, dong_e_village, county_admin, monkeypatch, django_assert_num_queries
):
    household, person, case = _tekun_in_force(
        staff, monkeypatch, dong_e_village, county_admin, "孤老"
    )
    registry.add_income(county_admin, household, "pension", "150", person=person)
    registry.add_asset(county_admin, household, "house", "20000", person=person)
    client = client_for(staff["assistant"])
    client.get(f"/households/{household.pk}/")  # the calendar and the parameters cached
    # The household with its members, incomes and assets (with their owners), the poverty
    # listings and the history (6); the cases with their recipients and the messages (2);
    # the care facts' current ids, the one assessment and the care levels of its day (3);
    # the verification reports (1: the household's area checked on its row); payments,
    # medical aid and cooperation (6); the access log (5: its transaction, the chain's head
    # locked, the entry, the head moved on).
    with django_assert_num_queries(SIGNED_IN + 6 + 2 + 3 + 1 + 6 + 5):
        page = client.get(f"/households/{household.pk}/").content.decode()
    assert f'<a href="/cases/{case.pk}/">申请 {case.number}</a>' in page
    assert (
        '<div class="muted">月救助金额 1,652.00 元</div>'
        '<div class="muted">救助对象：正常享受，自2027年1月起</div>'
    ) in page
    assert "生活自理能力：自理（0项不能完成），下次评估期限2027年12月01日" in page
    assert '<td data-label="成员">孤老</td><td data-label="金额">150.00</td>' in page
    assert '<td data-label="成员">孤老</td><td data-label="数量">1</td>' in page


@pytest.mark.django_db
def test_care_facts_are_the_latest_of_each_kind_and_one_query_without_any(
    staff, dong_e_village, county_admin, monkeypatch, django_assert_num_queries
):
    _household, person, _case = _tekun_in_force(
        staff, monkeypatch, dong_e_village, county_admin, "孤老"
    )
    later = assess(staff["assistant"], person, {"bathing"})
    from jiuzhu.registry.care import services as registry_care

    registry_care.record_supporter(
        staff["assistant"], person, "孤老之子", "child", False, TODAY, TODAY, "重度残疾"
    )
    registry_care.record_supporter(
        staff["assistant"], person, "孤老之女", "child", False, TODAY, TODAY, "服刑"
    )
    other = factories.head_of(factories.household(county_admin, dong_e_village))
    with django_assert_num_queries(3):  # the ids, the assessment, the supporters
        facts = care_facts([person.pk, other.pk])
    assert facts[person.pk].assessment == later
    assert [s.supporter_name for s in facts[person.pk].supporters] == ["孤老之女", "孤老之子"]
    assert (facts[person.pk].arrangement, facts[person.pk].child) == (None, None)
    with django_assert_num_queries(1):
        nothing = care_facts([other.pk])[other.pk]
    assert (nothing.assessment, nothing.arrangement, nothing.child, nothing.supporters) == (
        None,
        None,
        None,
        [],
    )


@pytest.mark.django_db
def test_the_case_list_reads_a_fixed_number_of_queries_with_its_worklists(
    staff, dong_e_village, county_admin, monkeypatch, django_assert_num_queries
):
    # Reassessments due within the month (on the 20th, on the 10th) and a year later.
    elders = {
        name: _tekun_in_force(
            staff, monkeypatch, dong_e_village, county_admin, name, dt.date.fromisoformat(due)
        )
        for name, due in (("甲", "2026-12-20"), ("乙", "2026-12-10"), ("丙", "2027-12-01"))
    }
    Recipient.objects.update(next_review_on=TODAY)
    for name in ("丁", "戊"):
        household = factories.household(
            county_admin, dong_e_village, members=[factories.member(name=name)]
        )
        submit(staff["assistant"], household, "dibao")
    client = client_for(staff["assistant"])
    client.get("/cases/")
    # The list's count, its page's keys and rows, the calendar; the advance aid, overdue
    # count, cases due soon and reviews due (4); the parameters, the children's worklist,
    # and the tekun one: those never assessed, those falling due, their rows (5).
    with django_assert_num_queries(SIGNED_IN + 4 + 4 + 5):
        page = client.get("/cases/").content.decode()
    assert page.count('<td data-label="申请人">') == 2
    assert page.count("特困人员救助供养，A类，应于 2026年12月1日 前复核") == 3
    household, person, case = elders["乙"]
    assert (
        f'<a href="/cases/care/{household.pk}/{person.pk}/">乙</a> 特困人员救助供养（<a href='
        f'"/cases/{case.pk}/">{case.number}</a>）：生活自理能力评估到期，2026年12月10日</li>'
    ) in page
    lines = [d.recipient.person.name for d in care.care_due(staff["assistant"], TODAY)]
    assert lines == ["乙", "甲"]
    assert [d.recipient.person.name for d in care.care_due(staff["assistant"], TODAY, 1)] == ["乙"]
    # The same lines as the tekun worklist's query read whole.
    slow = [
        r.person.name for r in care._tekun_due(staff["assistant"], TODAY).select_related("person")
    ]
    assert slow == ["乙", "甲"]


@pytest.mark.django_db
def test_the_tekun_worklist_puts_those_never_assessed_first_by_id(
    staff, dong_e_village, county_admin, monkeypatch
):
    for name, due in (("甲", "2026-12-20"), ("乙", "2026-12-10"), ("丙", None), ("丁", None)):
        _household, person, _case = _tekun_in_force(
            staff,
            monkeypatch,
            dong_e_village,
            county_admin,
            name,
            dt.date.fromisoformat(due) if due else None,
        )
        if due is None:  # recorded before assessments were kept
            SelfCareAssessment.objects.filter(person=person).delete()
    due = care.care_due(staff["assistant"], TODAY)
    assert [(d.recipient.person.name, d.what, d.due) for d in due] == [
        ("丙", "未录入生活自理能力评估", TODAY),
        ("丁", "未录入生活自理能力评估", TODAY),
        ("乙", "生活自理能力评估到期", dt.date(2026, 12, 10)),
        ("甲", "生活自理能力评估到期", dt.date(2026, 12, 20)),
    ]
    firsts = [
        [d.recipient.person.name for d in care.care_due(staff["assistant"], TODAY, n)]
        for n in (1, 3)
    ]
    assert firsts == [["丙"], ["丙", "丁", "乙"]]
    slow = care._tekun_due(staff["assistant"], TODAY).select_related("person")
    assert [r.person.name for r in slow] == ["丙", "丁", "乙", "甲"]
