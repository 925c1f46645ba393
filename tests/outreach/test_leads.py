import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, Channel, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, AuditEntry
from jiuzhu.outreach import photos, selectors, services
from jiuzhu.outreach.models import Lead, LeadStatus, Photo
from tests import factories
from tests.conftest import client_for
from tests.factories import head_of
from tests.outreach.conftest import PNG, pdf, png

pytestmark = pytest.mark.django_db


def lead_input(region, **changes):
    values = {
        "region": region,
        "person_name": "孙老汉",
        "phone": "13800000000",
        "address": "东阿村三组12号",
        "hardship": "elderly_alone",
        "urgency": "urgent",
        "description": "八十五岁独居，冬天无取暖，子女在外地。",
        "photos": [],
    }
    values.update(changes)
    return services.LeadInput(**values)


def test_a_volunteer_files_a_lead_with_photos_due_in_three_working_days(
    people, dong_e_village, friday_morning
):
    lead = services.report_lead(
        people["volunteer"], lead_input(dong_e_village, photos=[png("a.png"), png("b.png")])
    )
    assert lead.number == "XS202606050001"
    assert (lead.status, lead.region_code, lead.reporter) == (
        LeadStatus.OPEN,
        dong_e_village.code,
        people["volunteer"],
    )
    # Friday → Monday 8, Tuesday 9, Wednesday 10 June (the weekend does not count).
    assert lead.triage_due == dt.date(2026, 6, 10)
    stored = list(Photo.objects.filter(lead=lead).order_by("pk"))
    assert [(p.content_type, p.size) for p in stored] == [("image/png", len(PNG))] * 2
    assert (photos.photo_root() / stored[0].stored_path).read_bytes() == PNG
    second = services.report_lead(people["grid"], lead_input(dong_e_village))
    assert second.number == "XS202606050002"
    entry = AuditEntry.objects.get(action="report_lead", object_id=lead.pk)
    assert entry.changes == {
        "region": dong_e_village.code,
        "hardship": "elderly_alone",
        "photos": 2,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"person_name": " "}, "请填写困难群众姓名。"),
        ({"hardship": "bored"}, "请选择困难类别。"),
        ({"urgency": ""}, "请选择紧急程度。"),
        ({"phone": "abc"}, "联系电话只能包含数字和“-”。"),
        ({"description": "苦" * 2001}, "困难情况最多2000字。"),
        ({"photos": [png(), pdf("病历.pdf")]}, "文件“病历.pdf”不是照片，只能上传JPG或PNG图片。"),
        ({"photos": [png() for _ in range(7)]}, "最多上传6张照片。"),
    ],
)
def test_bad_lead_input_is_refused_and_nothing_is_written(people, dong_e_village, changes, message):
    with pytest.raises(DomainError) as refused:
        services.report_lead(people["volunteer"], lead_input(dong_e_village, **changes))
    assert refused.value.message == message
    assert not Lead.objects.exists() and not Photo.objects.exists()
    assert not photos.photo_root().exists()


def test_who_may_not_file_a_lead_and_where(people, dong_e, meigui_village):
    with pytest.raises(DomainError, match=r"^该村（社区）不在您的服务区域内，不能上报。$"):
        services.report_lead(people["volunteer"], lead_input(meigui_village))
    with pytest.raises(DomainError, match=r"^该村（社区）不在您的服务区域内，不能上报。$"):
        services.report_lead(people["volunteer"], lead_input(people["other_village"]))
    with pytest.raises(DomainError, match=r"^请选择困难群众所在的村（社区）。$"):
        services.report_lead(people["assistant"], lead_input(dong_e))
    with pytest.raises(PermissionError, match=r"^无权上报困难线索。$"):
        services.report_lead(people["officer"], lead_input(people["other_village"]))
    with pytest.raises(PermissionError, match=r"^无权上报困难线索。$"):
        services.report_lead(people["auditor"], lead_input(people["other_village"]))
    assert not Lead.objects.exists()


def test_the_town_links_the_household_and_opens_an_application_from_the_lead(
    people, dong_e_village, household
):
    lead = services.report_lead(people["volunteer"], lead_input(dong_e_village))
    with pytest.raises(DomainError, match=r"^请先关联或新建该困难群众的家庭档案。$"):
        services.start_application(people["assistant"], lead, "dibao", head_of(household))
    services.link_household(people["assistant"], lead, household)
    case = services.start_application(people["assistant"], lead, "dibao", head_of(household))
    lead.refresh_from_db()
    assert (lead.status, lead.case, lead.household, lead.triaged_by) == (
        LeadStatus.APPLICATION,
        case,
        household,
        people["assistant"],
    )
    assert lead.outcome == "已转入最低生活保障申请"
    assert (case.channel, case.status, case.household) == (
        Channel.REFERRAL,
        Status.SUBMITTED,
        household,
    )
    assert case.reason == f"主动发现线索{lead.number}：八十五岁独居，冬天无取暖，子女在外地。"
    with pytest.raises(DomainError, match=r"^该线索已处置（已转入救助申请），不能再处置。$"):
        services.close_lead(people["assistant"], lead, "重复")
    # The reporter sees what became of it.
    page = client_for(people["volunteer"]).get(f"/outreach/leads/{lead.pk}/")
    text = page.content.decode()
    assert "已转入救助申请" in text and case.number in text
    assert "研判处置" not in text and household.number not in text


def test_who_may_not_triage(people, dong_e_village, household):
    lead = services.report_lead(people["volunteer"], lead_input(dong_e_village))
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        services.close_lead(people["other_assistant"], lead, "不是本镇的")
    with pytest.raises(PermissionError, match=r"^无权研判处置困难线索。$"):
        services.close_lead(people["volunteer"], lead, "我自己办结")
    with pytest.raises(PermissionError, match=r"^无权研判处置困难线索。$"):
        services.link_household(people["coordinator"], lead, household)
    with pytest.raises(DomainError, match=r"^该家庭不在本乡镇，不能关联。$"):
        services.link_household(people["other_assistant"], lead, household)
    services.link_household(people["assistant"], lead, household)
    stranger = head_of(factories.household(people["admin"], people["other_village"]))
    with pytest.raises(DomainError, match=r"^申请人须为该户的现有成员。$"):
        services.start_application(people["assistant"], lead, "dibao", stranger)
    with pytest.raises(PermissionError, match=r"^无权研判处置困难线索。$"):
        services.start_application(people["coordinator"], lead, "dibao", head_of(household))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN and not Case.objects.exists()


def test_referral_needs_a_known_department_and_closing_a_reason(people, dong_e_village):
    lead = services.report_lead(people["grid"], lead_input(dong_e_village))
    with pytest.raises(DomainError, match=r"^请从列表中选择转介部门。$"):
        services.refer_lead(people["approver"], lead, "police", "请公安处理")
    with pytest.raises(DomainError, match=r"^请填写转介说明。$"):
        services.refer_lead(people["approver"], lead, "health", "  ")
    with pytest.raises(DomainError, match=r"^请填写不予处置的理由。$"):
        services.close_lead(people["approver"], lead, "")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN and lead.triaged_at is None
    services.refer_lead(people["approver"], lead, "health", "大病，转卫健部门办理医疗救助衔接")
    lead.refresh_from_db()
    assert (lead.status, lead.department, lead.outcome) == (
        LeadStatus.REFERRED,
        "health",
        "大病，转卫健部门办理医疗救助衔接",
    )
    other = services.report_lead(people["grid"], lead_input(dong_e_village))
    services.close_lead(people["assistant"], other, "经核实已享受特困供养")
    assert Lead.objects.get(pk=other.pk).get_status_display() == "已办结不予处置"


def test_overdue_leads_are_listed_for_the_town_only(people, dong_e_village):
    late = services.report_lead(people["volunteer"], lead_input(dong_e_village))
    fresh = services.report_lead(people["volunteer"], lead_input(dong_e_village))
    today = timezone.localdate()
    Lead.objects.filter(pk=late.pk).update(triage_due=today - dt.timedelta(days=1))
    assert list(selectors.overdue_leads(people["assistant"], today)) == [late]
    assert list(selectors.open_leads(people["assistant"])) == [late, fresh]
    assert not selectors.open_leads(people["other_assistant"]).exists()
    assert not selectors.open_leads(people["volunteer"]).exists()  # reporters see their own
    assert list(selectors.my_leads(people["volunteer"]).order_by("pk")) == [late, fresh]
    page = client_for(people["assistant"]).get("/outreach/leads/").content.decode()
    assert "（其中超期 1 条）" in page and page.count('<span class="tag overdue">超期</span>') == 1


def test_lead_pages_are_scoped_and_every_read_is_logged(people, dong_e_village):
    lead = services.report_lead(people["grid"], lead_input(dong_e_village, photos=[png()]))
    photo = lead.photos.get()
    town = client_for(people["assistant"])
    assert town.get(f"/outreach/leads/{lead.pk}/").status_code == 200
    shown = town.get(f"/outreach/photos/{photo.pk}/")
    assert (shown.status_code, b"".join(shown.streaming_content)) == (200, PNG)
    logged = AccessLog.objects.filter(user=people["assistant"]).order_by("pk")
    assert [(e.object_type, e.object_id) for e in logged] == [
        ("lead", lead.pk),
        ("photo", photo.pk),
    ]
    for outsider in ("other_assistant", "volunteer", "officer"):
        client = client_for(people[outsider])
        assert client.get(f"/outreach/leads/{lead.pk}/").status_code == 404
        assert client.get(f"/outreach/photos/{photo.pk}/").status_code == 404
    assert client_for(people["officer"]).get("/outreach/leads/").status_code == 404
    assert not AccessLog.objects.exclude(user=people["assistant"]).exists()


def test_filing_on_the_page_says_why_a_photo_is_refused(people, dong_e_village):
    client = client_for(people["volunteer"])
    form = {
        "region": dong_e_village.pk,
        "person_name": "孙老汉",
        "address": "东阿村三组12号",
        "hardship": "illness",
        "urgency": "normal",
        "description": "卧床",
    }
    refused = client.post("/outreach/leads/new/", {**form, "photos": [pdf("病历.pdf")]})
    assert "文件“病历.pdf”不是照片，只能上传JPG或PNG图片。" in refused.content.decode()
    assert not Lead.objects.exists()
    outside = client.post("/outreach/leads/new/", {**form, "region": people["other_village"].pk})
    assert outside.status_code == 200 and not Lead.objects.exists()
    filed = client.post("/outreach/leads/new/", {**form, "photos": [png()]}, follow=True)
    lead = Lead.objects.get()
    assert filed.redirect_chain[-1][0] == f"/outreach/leads/{lead.pk}/"
    assert f"线索{lead.number}已上报" in filed.content.decode()


def test_triage_on_the_page(people, dong_e_village, household):
    lead = services.report_lead(people["volunteer"], lead_input(dong_e_village))
    client = client_for(people["assistant"])
    unknown = client.post(
        f"/outreach/leads/{lead.pk}/", {"action": "link", "household_number": "000"}
    )
    assert "本辖区没有该户编号的家庭档案。" in unknown.content.decode()
    assert 'name="household_number" value="000"' in unknown.content.decode()  # kept as typed
    client.post(
        f"/outreach/leads/{lead.pk}/", {"action": "link", "household_number": household.number}
    )
    applied = client.post(
        f"/outreach/leads/{lead.pk}/",
        {"action": "apply", "programme": "dibao", "applicant": head_of(household).pk},
        follow=True,
    )
    case = Case.objects.get()
    assert f"已登记救助申请{case.number}。" in applied.content.decode()
    assert Lead.objects.get().case == case
    volunteer = client_for(people["volunteer"])
    assert (
        volunteer.post(f"/outreach/leads/{lead.pk}/", {"action": "close", "note": "x"}).status_code
        == 404
    )
