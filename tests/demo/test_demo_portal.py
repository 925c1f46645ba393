import pytest

from jiuzhu.cases.models import Case, Channel, Status
from jiuzhu.demo.portal import seed_demo
from jiuzhu.portal.models import ApplicantMessage, IssuedPaper, PaperKind, SignedRecord
from jiuzhu.registry.models import Income
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_applies_on_the_phone_and_writes_to_towns():
    run_demo(120, 5)
    before = Case.objects.count()
    lines = seed_demo(4)
    phone = Case.objects.filter(channel=Channel.PHONE)
    assert len(lines) == 4 and phone.count() == 4 and Case.objects.count() == before + 4
    assert set(phone.values_list("status", flat=True)) == {Status.SUBMITTED}
    assert sorted(phone.values_list("programme", flat=True)) == [
        "dibao",
        "dibao",
        "temporary",
        "temporary",
    ]
    for case in phone:
        assert f"{case.applicant.name} {case.applicant.id_number}（{case.number}）" in lines
        assert case.documents.filter(kind="household_booklet").count() == 1
        assert case.documents.filter(kind="authorisation").count() == 1
    assert IssuedPaper.objects.filter(kind=PaperKind.RECEIPT).count() == 4
    assert IssuedPaper.objects.filter(kind=PaperKind.AUTHORISATION).count() == 4
    assert not SignedRecord.objects.filter(attached_at__isnull=True).exists()
    declared = Income.objects.get(note="申请人手机申报")
    assert (declared.category, declared.monthly_amount) == ("wages", 600)
    assert sorted(ApplicantMessage.objects.values_list("kind", flat=True)) == [
        "change",
        "complaint",
    ]
