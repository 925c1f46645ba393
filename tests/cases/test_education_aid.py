"""Education aid (docs/policy/other-programmes.md#medical-education): the student's school
stage and term; the amount of the stage for one term (county parameters
`education.term_amount.*`, defaults the county must confirm: 学前 500, 小学 500, 初中 625,
高中 1,000, 大学 2,000 yuan a term); paid once per term with the next month's payroll; the
students of tekun, dibao and edge households proposed at each new term."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.cases import rules, services
from jiuzhu.cases.models import Case, Recipient, RecipientStatus, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.outreach import education
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import PayrollLine
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import in_force, investigate, set_today, submit
from tests.conftest import client_for
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db

AUTUMN = dt.date(2026, 9, 1)
SPRING = dt.date(2027, 3, 1)


@pytest.fixture
def family(dong_e_village, county_admin):
    """A rural dibao household: a mother, a son of 12 and a daughter of 11 on 1 Sep 2026
    (born a day after the term's start: still 11, so primary school), and a baby."""
    return factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(Relation.HEAD, "赵桂英", dong_e_village, dt.date(1985, 5, 1), "F"),
            factories.born(Relation.CHILD, "赵小军", dong_e_village, dt.date(2014, 9, 1)),
            factories.born(Relation.CHILD, "赵小红", dong_e_village, dt.date(2014, 9, 2), "F"),
            factories.born(Relation.CHILD, "赵小宝", dong_e_village, dt.date(2024, 1, 1)),
        ],
        (("pension", "100"),),
    )


def member(household, name):
    return household.memberships.get(person__name=name).person


def on_dibao(staff, family, monkeypatch):
    set_today(monkeypatch, dt.date(2026, 8, 3))
    in_force(staff, family, monkeypatch)
    set_today(monkeypatch, dt.date(2026, 9, 10))


def apply(staff, family, name, stage, term=AUTUMN):
    return submit(
        staff["assistant"],
        family,
        "education",
        beneficiary=member(family, name),
        schooling=services.Schooling(stage, term),
    )


def test_the_terms_proposals_then_a_junior_term_paid_once(staff, family, monkeypatch, dong_e):
    on_dibao(staff, family, monkeypatch)
    found = education.proposals(staff["assistant"], AUTUMN)
    assert [(p.name, p.age, p.stage_label, p.why) for p in found] == [
        ("赵小军", 12, "初中", "低保家庭"),
        ("赵小红", 11, "小学", "低保家庭"),
    ]
    assert education.proposals(staff["other_assistant"], AUTUMN) == []  # another town
    opened = education.confirm(staff["assistant"], AUTUMN, {member(family, "赵小军").pk: "junior"})
    case = opened[0]
    assert (case.school_stage, case.school_term, case.channel) == ("junior", AUTUMN, "referral")
    assert [p.name for p in education.proposals(staff["assistant"], AUTUMN)] == ["赵小红"]
    # The family signs the commitment when the town tells it (the scan is uploaded).
    signed = SimpleUploadedFile("承诺书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    services.add_documents(staff["assistant"], case, [("commitment", signed)])
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    assert (case.status, case.one_off_amount) == (Status.IN_FORCE, Decimal("625.00"))
    recipient = Recipient.objects.get(case=case)
    assert (recipient.status, recipient.start_month, recipient.end_month) == (
        RecipientStatus.ENDED,
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
    )
    give_account(staff["admin"], family, number="6221000012341234")
    october = payments.prepare_payroll(staff["assistant"], dt.date(2026, 10, 1), dong_e)
    lines = PayrollLine.objects.of_payroll(october.pk).filter(programme="education")
    assert list(lines.values_list("net_fen", "payee_name")) == [(62_500, "赵桂英")]
    payments.check_payroll(staff["approver"], october)
    payments.approve_payroll(staff["admin"], october)
    november = payments.prepare_payroll(staff["assistant"], dt.date(2026, 11, 1), dong_e)
    assert not PayrollLine.objects.of_payroll(november.pk).filter(programme="education")


def test_once_per_term_and_the_next_term_from_its_first_day(staff, family, monkeypatch):
    on_dibao(staff, family, monkeypatch)
    case = apply(staff, family, "赵小红", "primary")
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    assert case.one_off_amount == Decimal("500.00")
    with pytest.raises(DomainError) as refused:
        apply(staff, family, "赵小红", "primary")
    assert refused.value.message == (
        f"该学生2026年秋季学期已获教育救助（{case.number}），不能重复申请。"
    )
    set_today(monkeypatch, dt.date(2027, 2, 28))  # still the autumn term
    with pytest.raises(DomainError) as early:
        apply(staff, family, "赵小红", "primary", SPRING)
    assert early.value.message == "只能申请本学期或以前学期的教育救助。"
    assert Case.objects.filter(programme="education").count() == 1
    set_today(monkeypatch, SPRING)
    # The new term: both students again, at the stage of their school year (ages on 1
    # September 2026: 小红 12 since 2 September, still primary); the baby is 3 since January
    # but starts preschool with the next school year.
    assert [(p.name, p.stage) for p in education.proposals(staff["assistant"], SPRING)] == [
        ("赵小军", "junior"),
        ("赵小红", "primary"),
    ]
    spring = apply(staff, family, "赵小红", "primary", SPRING)
    investigate(spring, staff["assistant"])
    services.approve(staff["approver"], spring, spring.version)
    assert (spring.one_off_amount, spring.term_name) == (Decimal("500.00"), "2027年春季学期")


@pytest.mark.parametrize(
    ("programme", "schooling", "message"),
    [
        ("education", services.Schooling("", AUTUMN), "请选择学生的学段。"),
        ("education", services.Schooling("phd", AUTUMN), "请选择学生的学段。"),
        (
            "education",
            services.Schooling("junior", dt.date(2026, 9, 2)),
            "请选择学期（春季学期自3月1日起，秋季学期自9月1日起）。",
        ),
        (
            "education",
            services.Schooling("junior", None),
            "请选择学期（春季学期自3月1日起，秋季学期自9月1日起）。",
        ),
        ("tekun", services.Schooling("junior", AUTUMN), "只有教育救助需要填写学段和学期。"),
    ],
)
def test_bad_schooling_is_refused_and_nothing_written(
    staff, family, monkeypatch, programme, schooling, message
):
    set_today(monkeypatch, dt.date(2026, 9, 10))
    with pytest.raises(DomainError) as refused:
        submit(
            staff["assistant"],
            family,
            programme,
            beneficiary=member(family, "赵小军"),
            schooling=schooling,
        )
    assert refused.value.message == message
    assert not Case.objects.filter(household=family).exists()


def test_who_may_not_list_or_confirm(staff, family, monkeypatch):
    on_dibao(staff, family, monkeypatch)
    auditor = factories.user(Role.AUDITOR, factories.county(), username="edu_auditor")
    with pytest.raises(PermissionError) as refused:
        education.proposals(auditor, AUTUMN)
    assert str(refused.value) == "无权编辑家庭档案。"
    baby = member(family, "赵小宝")
    with pytest.raises(DomainError) as not_proposed:
        education.confirm(staff["assistant"], AUTUMN, {baby.pk: "preschool"})
    assert not_proposed.value.message == (
        "所选学生不在本学期的建议名单中（可能已申请或已不符合条件）。"
    )
    with pytest.raises(DomainError) as bad_term:
        education.proposals(staff["assistant"], dt.date(2026, 9, 2))
    assert bad_term.value.message == "学期应从3月1日（春季）或9月1日（秋季）开始。"
    assert not Case.objects.filter(programme="education").exists()


def test_the_town_confirms_on_the_proposals_page(staff, family, monkeypatch):
    on_dibao(staff, family, monkeypatch)
    client = client_for(staff["assistant"])
    page = client.get("/outreach/education/?term=2026-09-01").content.decode()
    assert "2026年秋季学期" in page and "赵小军" in page and "赵小红" in page
    assert "赵小宝" not in page
    son = member(family, "赵小军")
    response = client.post(
        "/outreach/education/",
        {"term": "2026-09-01", "pick": [str(son.pk)], f"stage_{son.pk}": "senior"},
        follow=True,
    )
    assert "已为1名学生登记2026年秋季学期教育救助申请。" in response.content.decode()
    case = Case.objects.get(programme="education")
    assert (case.beneficiary, case.school_stage) == (son, "senior")  # the town's correction
    refused = client.post(
        "/outreach/education/", {"term": "2026-09-01", "pick": [str(son.pk)]}, follow=True
    )
    assert "所选学生不在本学期的建议名单中" in refused.content.decode()
    assert Case.objects.filter(programme="education").count() == 1
    auditor = factories.user(Role.AUDITOR, factories.county(), username="edu_page_auditor")
    assert client_for(auditor).get("/outreach/education/").status_code == 404  # not offered


def mother_and_son(county_admin, village, pension_yuan):
    """A rural household of two (a mother and her son of 12 on 1 September 2026) living on a
    pension: the dibao line is 2 × 884 = 1,768 yuan a month, the edge line 1.5 times it,
    2,652 yuan."""
    return factories.household_with_incomes(
        county_admin,
        village,
        [
            factories.born(Relation.HEAD, "钱秀兰", village, dt.date(1984, 3, 1), "F"),
            factories.born(Relation.CHILD, "钱小东", village, dt.date(2014, 5, 1)),
        ],
        (("pension", pension_yuan),),
    )


def test_an_edge_households_child_is_approved(staff, dong_e_village, county_admin, monkeypatch):
    set_today(monkeypatch, dt.date(2026, 9, 10))
    edge = mother_and_son(county_admin, dong_e_village, "2000")  # 1,768 ≤ 2,000 < 2,652
    case = apply(staff, edge, "钱小东", "junior")
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    assert (case.status, case.one_off_amount, case.monthly_amount) == (
        Status.IN_FORCE,
        Decimal("625.00"),
        Decimal("0.00"),
    )
    entitlement = rules.entitlement(case, dt.date(2026, 10, 1))
    assert entitlement.summary == "2026年秋季学期初中教育救助625.00元"


def test_a_household_above_the_edge_line_is_refused(
    staff, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, dt.date(2026, 9, 10))
    above = mother_and_son(county_admin, dong_e_village, "2652")  # the edge line itself
    case = apply(staff, above, "钱小东", "junior")
    investigate(case, staff["assistant"])
    version = case.version
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, version)
    assert refused.value.message == (
        "按现行政策该申请不符合条件，请作出不予批准决定："
        "不属于特困、低保或低保边缘家庭，不符合教育救助条件"
    )
    case.refresh_from_db()
    assert (case.status, case.version, case.one_off_amount) == (
        Status.DECIDING,
        version,
        None,
    )
    assert not Recipient.objects.filter(case=case).exists()
