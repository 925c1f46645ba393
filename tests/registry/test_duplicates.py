"""Duplicates beyond the ID number: the nightly scan, the county's list and comparison,
merging with both histories kept, dismissing, and the other-county flag."""

import datetime as dt

import pytest
from django.core.management import call_command

from jiuzhu.cases.models import Case
from jiuzhu.core.idnumber import make
from jiuzhu.core.models import AccessLog, AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.registry.duplicates.job import scan_registry
from jiuzhu.registry.duplicates.merge import (
    dismiss_pair,
    flag_registered_elsewhere,
    merge_persons,
)
from jiuzhu.registry.duplicates.scan import differ_by_one_digit
from jiuzhu.registry.models import (
    DuplicatePair,
    Income,
    Membership,
    Person,
    PersonMerge,
    Relation,
)
from tests import factories
from tests.cases.conftest import submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
BORN = dt.date(1980, 5, 17)


def person(actor, village, name, id_number, relation=Relation.HEAD, household=None):
    member = factories.member(relation, name, village, id_number=id_number)
    if household is None:
        return factories.head_of(factories.household(actor, village, members=[member]))
    from jiuzhu.registry import services

    return services.add_member(actor, household, member)


@pytest.fixture
def registry(county_admin, dong_e_village, meigui_village):
    """王芳 twice (same birth, two households); 李强 with IDs one birth digit apart; 李强
    again two digits apart; 张伟 twice in one household (not a duplicate)."""
    a = person(county_admin, dong_e_village, "王芳", make("370124", BORN, 122))
    b = person(county_admin, meigui_village, "王芳", make("370124", BORN, 356))
    c = person(county_admin, dong_e_village, "李强", make("370124", dt.date(1975, 3, 12), 451))
    d = person(county_admin, meigui_village, "李强", make("370124", dt.date(1975, 3, 13), 451))
    e = person(county_admin, meigui_village, "李强", make("370125", dt.date(1975, 3, 14), 451))
    f = person(county_admin, dong_e_village, "张伟", make("370124", BORN, 11))
    household = Membership.objects.get(person=f, end_date__isnull=True).household
    person(
        county_admin, dong_e_village, "张伟", make("370124", BORN, 13), Relation.CHILD, household
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def pairs():
    return {(p.first_id, p.second_id, p.reason, p.status) for p in DuplicatePair.objects.all()}


def test_one_digit_rule_counts_the_first_17_characters():
    assert differ_by_one_digit("370124198005171220", "370124198005171231")
    assert not differ_by_one_digit("370124198005171220", "370124198005171220")
    assert not differ_by_one_digit("370124198005171220", "370125198005171330")


def test_the_scan_finds_both_kinds_and_is_idempotent(registry):
    r = registry
    done = scan_registry()
    expected = {
        (r["a"].pk, r["b"].pk, "name_birth", "open"),
        (r["c"].pk, r["d"].pk, "one_digit", "open"),
    }
    assert pairs() == expected
    # c~e and d~e are candidates on plain columns; their regions differ: opened, refused.
    assert done["pairs"] == 2 and done["added"] == 2 and done["opened"] == 3
    again = scan_registry()
    assert again["added"] == 0 and again["dropped"] == 0 and pairs() == expected


def test_a_dismissed_pair_never_comes_back(registry, county_admin):
    scan_registry()
    pair = DuplicatePair.objects.get(reason="name_birth")
    dismiss_pair(county_admin, pair.pk, "两人是不同的人，已电话核实。")
    scan_registry()
    pair.refresh_from_db()
    assert pair.status == "dismissed" and DuplicatePair.objects.count() == 2
    assert AuditEntry.objects.filter(action="dismiss_duplicate").count() == 1


def test_merge_keeps_both_histories_and_is_audited(registry, county_admin, dong_e_assistant):
    r = registry
    scan_registry()
    pair = DuplicatePair.objects.get(reason="one_digit")
    kept, merged = r["c"], r["d"]
    merged_household = Membership.objects.get(person=merged, end_date__isnull=True).household
    Income.objects.create(
        household=merged_household, person=merged, category="wages", monthly_amount=300
    )
    case = submit(dong_e_assistant, merged_household, applicant=merged)
    record = merge_persons(county_admin, pair.pk, kept.pk, "同一人，身份证号录入错误一位。")
    assert Case.objects.get(pk=case.pk).applicant_id == kept.pk
    assert Income.objects.get(household=merged_household).person_id == kept.pk
    # The merged person's membership ended and now belongs to the kept person's history.
    history = Membership.objects.filter(person=kept).order_by("pk")
    assert [(m.household_id, m.end_reason) for m in history] == [
        (Membership.objects.get(person=kept, end_date__isnull=True).household_id, ""),
        (merged_household.pk, "与重复登记的人员档案合并"),
    ]
    assert not Membership.objects.filter(person=merged).exists()
    assert record.moved == {
        "cases.case": 1,  # the application, and the authorisation the applicant signed
        "verification.authorisation": 1,
        "registry.income": 1,
        "registry.membership": 1,
    }
    pair.refresh_from_db()
    assert pair.status == "merged" and PersonMerge.objects.get().merged_id == merged.pk
    entry = AuditEntry.objects.get(action="merge_persons")
    assert entry.changes["merged_person"] == merged.pk and "*" in entry.changes["merged_id_number"]
    # Nightly again: the merged person has no household, nothing comes back.
    scan_registry()
    assert DuplicatePair.objects.filter(status="open").count() == 1


@pytest.mark.parametrize(
    ("kept", "reason", "message"),
    [
        ("c", "  ", "请填写合并理由（核实的依据）。"),
        ("a", "同一人", "保留的人员应为这两人之一。"),
    ],
)
def test_bad_merge_is_refused_and_nothing_written(registry, county_admin, kept, reason, message):
    from jiuzhu.core.errors import DomainError

    scan_registry()
    pair = DuplicatePair.objects.get(reason="one_digit")
    with pytest.raises(DomainError, match=message):
        merge_persons(county_admin, pair.pk, registry[kept].pk, reason)
    assert (
        not PersonMerge.objects.exists()
        and not AuditEntry.objects.filter(action="merge_persons").exists()
    )
    assert DuplicatePair.objects.get(pk=pair.pk).status == "open"


def test_a_decided_pair_cannot_be_decided_again(registry, county_admin):
    from jiuzhu.core.errors import DomainError

    scan_registry()
    pair = DuplicatePair.objects.get(reason="one_digit")
    dismiss_pair(county_admin, pair.pk, "不同的人")
    with pytest.raises(DomainError, match="该记录已处理（不是同一人）。"):
        merge_persons(county_admin, pair.pk, registry["c"].pk, "同一人")


def test_town_staff_and_auditors_may_not_merge(registry, county_admin, dong_e_assistant):
    scan_registry()
    pair = DuplicatePair.objects.get(reason="one_digit")
    with pytest.raises(PermissionError, match="县级工作人员"):
        merge_persons(dong_e_assistant, pair.pk, registry["c"].pk, "同一人")
    auditor = factories.user(Role.AUDITOR, factories.county(), username="aud")
    with pytest.raises(PermissionError):
        merge_persons(auditor, pair.pk, registry["c"].pk, "同一人")
    assert client_for(dong_e_assistant).get("/households/duplicates/").status_code == 404
    assert client_for(dong_e_assistant).get(f"/households/duplicates/{pair.pk}/").status_code == 404
    # The auditor may look (read-only), without the decision forms.
    page = client_for(auditor).get(f"/households/duplicates/{pair.pk}/")
    assert page.status_code == 200 and "合并档案" not in page.content.decode()
    refused = client_for(auditor).post(
        f"/households/duplicates/{pair.pk}/decide/",
        {"action": "merge", "kept": registry["c"].pk, "reason": "同一人"},
    )
    assert refused.status_code == 400 and not PersonMerge.objects.exists()


def test_pages_compare_side_by_side_and_log_access(registry, county_admin):
    r = registry
    flag_registered_elsewhere([(r["b"].pk, "370283", dt.date(2026, 11, 1))])
    scan_registry()
    client = client_for(county_admin)
    listing = client.get("/households/duplicates/").content.decode()
    assert (
        "王芳" in listing
        and "外县已登记" in listing
        and "姓名相同、身份证号仅一位数字不同" in listing
    )
    pair = DuplicatePair.objects.get(reason="name_birth")
    page = client.get(f"/households/duplicates/{pair.pk}/").content.decode()
    assert "人员1：王芳" in page and "人员2：王芳" in page
    assert "外县已登记（区划代码 370283，2026年11月省级名单）" in page
    logged = AccessLog.objects.filter(object_type="person").values_list("object_id", flat=True)
    assert sorted(logged) == sorted([r["a"].pk, r["b"].pk])
    response = client.post(
        f"/households/duplicates/{pair.pk}/decide/",
        {"action": "merge", "kept": r["a"].pk, "reason": ""},
    )
    assert (
        response.status_code == 400
        and "请填写合并理由（核实的依据）。" in response.content.decode()
    )
    done = client.post(
        f"/households/duplicates/{pair.pk}/decide/",
        {"action": "merge", "kept": r["a"].pk, "reason": "同一人，两次登记"},
    )
    assert done.status_code == 302 and PersonMerge.objects.get().kept_id == r["a"].pk


def test_nightly_command(registry, capsys):
    call_command("find_duplicates")
    assert "疑似重复 2 对，新增 2 对" in capsys.readouterr().out
    assert Person.objects.count() == 7
