"""The matching job on DuckDB: each rule, the thresholds, the authorisation gate, resume."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.policy.accessors import AssetLimits
from jiuzhu.policy.models import Parameter
from jiuzhu.registry import services as registry
from jiuzhu.verification import jobs, matching, services
from jiuzhu.verification.models import (
    Conclusion,
    Finding,
    JobStatus,
    VerificationJob,
    VerificationReport,
)
from tests import factories
from tests.verification.conftest import AS_OF, import_rows, limits

pytestmark = pytest.mark.django_db

_seq = iter(range(100, 999))


def new_id(birth=dt.date(1970, 5, 1)):
    return idnumber.make("370124", birth, next(_seq))


def family(admin, *people, authorise=True, village=None):
    """people: (name, id_number) pairs; the first is the head."""
    members = [
        factories.member(
            relation="head" if i == 0 else "child", name=name, id_number=number, residence=village
        )
        for i, (name, number) in enumerate(people)
    ]
    household = factories.household(admin, village_region=village, members=members)
    if authorise:
        services.record_authorisation(
            admin,
            household,
            AS_OF,
            signed_by=factories.head_of(household),
            document="授权书/扫描件.pdf",
            document_sha256="0" * 64,
        )
        services.check_authorisations(admin, household)
    return household


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def run(admin, **kwargs):
    job = services.create_job(admin, as_of=AS_OF, **kwargs)
    return jobs.run_job(job.pk)


def report(job, household):
    return VerificationReport.objects.get(job=job, household=household)


def ident(number, name):
    return {"id_number": number, "name": name}


def test_income_threshold_boundaries(county_admin, officer, tmp_path):
    limit = limits("rural").standard_fen
    at, above = new_id(), new_id()
    h_at = family(county_admin, ("甲", at))
    h_above = family(county_admin, ("乙", above))
    registry.add_income(county_admin, h_at, "wages", yuan(limit))
    import_rows(
        officer,
        tmp_path,
        "employment",
        [
            {**ident(at, "甲"), "employer": "厂", "monthly_wage": yuan(limit)},
            {**ident(above, "乙"), "employer": "厂", "monthly_wage": yuan(limit + 1)},
        ],
    )
    job = run(county_admin)
    assert report(job, h_at).conclusion == "consistent"
    assert report(job, h_at).income_fen == limit
    r = report(job, h_above)
    assert r.conclusion == "over_limit"
    assert r.reasons == ["over_income", "undeclared_income"]


def test_deposit_limit_is_months_times_standard_per_member(county_admin, officer, tmp_path):
    t = limits("rural")
    a, b, c = new_id(), new_id(dt.date(2000, 1, 1)), new_id()
    two = family(county_admin, ("丙", a), ("丁", b))
    one = family(county_admin, ("戊", c))
    per_person = t.financial_months * t.standard_fen
    registry.add_asset(county_admin, two, "deposit", yuan(2 * per_person))
    import_rows(
        officer,
        tmp_path,
        "bank_deposits",
        [
            {**ident(a, "丙"), "institution": "农行", "balance": yuan(per_person)},
            {**ident(b, "丁"), "institution": "农行", "balance": yuan(per_person)},
            {**ident(c, "戊"), "institution": "农行", "balance": yuan(per_person + 1)},
        ],
    )
    job = run(county_admin)
    assert report(job, two).conclusion == "consistent"
    assert report(job, one).reasons == ["over_financial", "undeclared_financial"]


def test_car_counts_but_motorbike_does_not(county_admin, officer, tmp_path):
    car, bike = new_id(), new_id()
    h_car = family(county_admin, ("车主", car))
    h_bike = family(county_admin, ("骑手", bike))
    import_rows(
        officer,
        tmp_path,
        "vehicles",
        [
            {**ident(car, "车主"), "plate": "鲁A12345", "vehicle_type": "汽车", "value": "80000"},
            {**ident(bike, "骑手"), "plate": "鲁A0001", "vehicle_type": "摩托车"},
        ],
    )
    job = run(county_admin)
    assert report(job, h_car).conclusion == "over_limit"
    assert report(job, h_car).reasons == ["over_vehicles", "undeclared_vehicles"]
    assert report(job, h_car).vehicles == 1
    car_finding = Finding.objects.get(job=job, household=h_car)
    assert (car_finding.kind, car_finding.category, car_finding.amount_fen) == (
        "vehicle",
        "vehicle",
        8_000_000,
    )
    assert car_finding.detail == "汽车 鲁A12345"
    assert report(job, h_bike).conclusion == "consistent"
    assert (report(job, h_bike).vehicles, report(job, h_bike).reasons) == (0, [])
    bike_finding = Finding.objects.get(job=job, household=h_bike)
    assert (bike_finding.kind, bike_finding.category) == ("exempt_vehicle", "info")
    assert bike_finding.kind_label == "摩托车、农用车或残疾人代步车"


def test_houses_business_death_and_payroll(county_admin, officer, tmp_path):
    t = limits("rural")
    flats, one_flat, company, shop, dead, payroll = (new_id() for _ in range(6))
    h_flats = family(county_admin, ("两套", flats))
    h_flat = family(county_admin, ("一套", one_flat))
    h_company = family(county_admin, ("老板", company))
    h_shop = family(county_admin, ("摊主", shop))
    h_dead = family(county_admin, ("故人", dead))
    h_payroll = family(county_admin, ("公务员", payroll))
    import_rows(
        officer,
        tmp_path,
        "real_estate",
        [
            {**ident(flats, "两套"), "certificate_no": "1"},
            {**ident(flats, "两套"), "certificate_no": "2"},
            {**ident(one_flat, "一套"), "certificate_no": "3"},
        ],
    )
    import_rows(
        officer,
        tmp_path,
        "business",
        [
            {
                **ident(company, "老板"),
                "company_name": "甲公司",
                "role": "法定代表人",
                "registered_capital": yuan(t.business_capital_limit_fen + 100),
            },
            {
                **ident(shop, "摊主"),
                "company_name": "小店",
                "role": "个体工商户经营者",
                "registered_capital": "1000",
            },
        ],
    )
    import_rows(officer, tmp_path, "deaths", [{**ident(dead, "故人"), "death_date": "2024-03-01"}])
    import_rows(
        officer,
        tmp_path,
        "public_payroll",
        [{**ident(payroll, "公务员"), "employer": "某局", "monthly_salary": "1"}],
    )
    job = run(county_admin)
    assert report(job, h_flats).reasons == ["over_houses", "undeclared_houses"]
    assert report(job, h_flat).conclusion == "needs_explanation"
    assert report(job, h_flat).reasons == ["undeclared_houses"]
    assert report(job, h_company).conclusion == "over_limit"
    assert report(job, h_company).reasons == ["over_business", "undeclared_businesses"]
    assert report(job, h_shop).reasons == ["undeclared_businesses"]
    assert report(job, h_dead).reasons == ["member_died"]
    assert report(job, h_payroll).conclusion == "needs_explanation"
    # The salary counts as income (category payroll) besides flagging the member.
    assert report(job, h_payroll).reasons == ["undeclared_income", "public_payroll"]
    assert (report(job, h_payroll).income_fen, report(job, h_payroll).payroll_members) == (100, 1)


def test_fuzzy_match_by_name_and_birth_date(county_admin, officer, tmp_path):
    t = limits("rural")
    birth = dt.date(1966, 6, 6)
    lone = new_id(birth)
    h = family(county_admin, ("孙悟空", lone))
    # Two namesakes born the same day: a record without ID matches neither.
    twin_a, twin_b = new_id(dt.date(1955, 5, 5)), new_id(dt.date(1955, 5, 5))
    h_a = family(county_admin, ("张伟", twin_a))
    h_b = family(county_admin, ("张伟", twin_b))
    stranger = new_id(birth)  # a valid ID of someone else with the same name and birth date
    import_rows(
        officer,
        tmp_path,
        "bank_deposits",
        [
            {
                "name": "孙悟空",
                "birth_date": birth.isoformat(),
                "institution": "老银行",
                "balance": yuan(t.financial_months * t.standard_fen + 1),
            },
            {"name": "张伟", "birth_date": "1955-05-05", "institution": "老银行", "balance": "10"},
            {**ident(stranger, "孙悟空"), "institution": "别家银行", "balance": "99999999"},
        ],
    )
    job = run(county_admin)
    finding = Finding.objects.get(job=job, household=h)
    assert (finding.confidence, finding.detail) == ("fuzzy", "老银行")
    r = report(job, h)
    # Over the limit only through a lower-confidence match: explain, don't exclude.
    assert r.conclusion == "needs_explanation"
    assert r.reasons == ["over_if_fuzzy_confirmed", "undeclared_financial"]
    assert r.fuzzy_findings == 1
    assert not Finding.objects.filter(job=job, household__in=[h_a, h_b]).exists()


def test_latest_extract_of_a_source_replaces_the_previous(county_admin, officer, tmp_path):
    a = new_id()
    h = family(county_admin, ("周", a))
    import_rows(
        officer,
        tmp_path,
        "employment",
        [{**ident(a, "周"), "employer": "旧厂", "monthly_wage": "99999"}],
        extract_date=AS_OF - dt.timedelta(days=60),
    )
    import_rows(
        officer,
        tmp_path,
        "employment",
        [{**ident(a, "周"), "employer": "新厂", "monthly_wage": "1"}],
    )
    job = run(county_admin)
    assert [f.detail for f in Finding.objects.filter(job=job, household=h)] == ["新厂"]


def test_authorisation_gate(county_admin, officer, tmp_path, department_data):
    a, b, c = new_id(), new_id(), new_id()
    ok = family(county_admin, ("有", a))
    missing = family(county_admin, ("无", b), authorise=False)
    revoked = family(county_admin, ("撤", c))
    services.revoke_authorisation(county_admin, revoked)
    job = run(county_admin)
    assert job.households_total == 1 and job.skipped_unauthorised == 2
    assert list(VerificationReport.objects.filter(job=job).values_list("household", flat=True)) == [
        ok.pk
    ]
    with pytest.raises(DomainError) as error:
        services.create_job(county_admin, household=missing, as_of=AS_OF)
    assert error.value.message == "该家庭尚未签署家庭经济状况核对授权书，不能核对。"
    assert VerificationJob.objects.count() == 1


def test_single_household_job_from_a_case(county_admin, officer, tmp_path):
    a = new_id()
    h = family(county_admin, ("单", a))
    other = family(county_admin, ("别", new_id()))
    import_rows(
        officer,
        tmp_path,
        "employment",
        [{**ident(a, "单"), "employer": "厂", "monthly_wage": "10"}],
    )
    job = run(county_admin, household=h)
    assert job.status == JobStatus.DONE
    assert list(VerificationReport.objects.filter(job=job).values_list("household", flat=True)) == [
        h.pk
    ]
    assert not VerificationReport.objects.filter(household=other).exists()


def test_resume_after_a_crash_never_duplicates(county_admin, officer, tmp_path, monkeypatch):
    ids = [new_id() for _ in range(5)]
    homes = [family(county_admin, (f"户{i}", n)) for i, n in enumerate(ids)]
    import_rows(
        officer,
        tmp_path,
        "employment",
        [{**ident(n, f"户{i}"), "employer": "厂", "monthly_wage": "10"} for i, n in enumerate(ids)],
    )
    monkeypatch.setattr(jobs, "CHUNK_HOUSEHOLDS", 2)
    job = services.create_job(county_admin, as_of=AS_OF)

    def crash_after_first_chunk(j):
        if j.chunks_done == 1:
            raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        jobs.run_job(job.pk, progress=crash_after_first_chunk)
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.chunks_total) == (JobStatus.RUNNING, 1, 3)
    # A live-looking job is not taken over …
    with pytest.raises(DomainError) as error:
        jobs.run_job(job.pk)
    assert error.value.message == f"核对任务 #{job.pk} 正在由其他进程运行。"
    # … until its heartbeat is stale, as after a restart.
    type(job).objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at - 2 * jobs.STALE_AFTER)
    # The registry changes meanwhile; the resumed job keeps its frozen snapshot.
    family(county_admin, ("后来", new_id()))
    done = jobs.run_job(job.pk)
    assert done.status == JobStatus.DONE and done.households_done == 5
    assert VerificationReport.objects.filter(job=job).count() == 5
    assert Finding.objects.filter(job=job).count() == 5
    assert set(VerificationReport.objects.filter(job=job).values_list("household", flat=True)) == {
        h.pk for h in homes
    }


def test_missing_policy_parameter_is_a_clear_error(county_admin, department_data):
    Parameter.objects.filter(key="asset.houses_allowed").delete()
    with pytest.raises(DomainError, match="可拥有的住房套数"):
        AssetLimits.on(AS_OF, "rural")
    family(county_admin, ("某", new_id()))
    job = services.create_job(county_admin, as_of=AS_OF)
    with pytest.raises(DomainError):
        jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "住房套数" in job.error


def test_the_job_concludes_in_the_models_vocabulary():
    """matching.py stays free of Django, so its SQL spells the conclusions itself."""
    spelled = set(re.findall(r"'(\w+)' END AS conclusion|THEN '(\w+)'", matching.REPORTS_SQL))
    assert {value for pair in spelled for value in pair if value} == set(Conclusion.values)


def test_results_are_stored_whole_whatever_a_detail_holds(county_admin, officer, tmp_path):
    """Reports and findings go in by bulk COPY: every field arrives as computed, and a
    department's free text (quotes, a tab, a backslash) arrives as it was written."""
    number = new_id()
    household = family(county_admin, ("己", number))
    employer = '平阴"某"厂\t一车间\\二班'
    extract = import_rows(
        officer,
        tmp_path,
        "employment",
        [{**ident(number, "己"), "employer": employer, "monthly_wage": "100000.00"}],
    ).extract
    job = run(county_admin)
    finding = Finding.objects.get(job=job, household=household)
    head = factories.head_of(household)
    assert (finding.detail, finding.person_id, finding.extract_id, finding.extract_date) == (
        employer,
        head.pk,
        extract.pk,
        AS_OF,
    )
    assert (finding.source, finding.kind, finding.category, finding.amount_fen) == (
        "employment",
        "wage",
        "income",
        10_000_000,
    )
    assert (finding.confidence, finding.chunk) == ("exact", 0)
    r = report(job, household)
    assert (r.conclusion, r.reasons, r.income_fen, r.findings_count) == (
        "over_limit",
        ["over_income", "undeclared_income"],
        10_000_000,
        1,
    )
    assert (r.members, r.area_type, r.town_code, r.chunk) == (
        1,
        "rural",
        household.registered_code[:9] + "000",
        0,
    )
    assert r.created_at is not None
