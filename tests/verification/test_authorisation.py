"""The verification authorisation (授权书) is a document the household signed: a scan, who
signed and when, checked by the town responsible before any department is queried. A tick
in a box records nothing."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.cases import services as cases
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.months import long_date
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Household, Relation
from jiuzhu.verification import services
from jiuzhu.verification.models import Authorisation
from tests import factories
from tests.conftest import client_for
from tests.factories import head_of
from tests.verification.conftest import AS_OF

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4 signed authorisation"


@pytest.fixture
def towns(county_admin, dong_e, meigui, dong_e_village):
    members = [
        factories.member(Relation.HEAD, "王老汉", dong_e_village),
        factories.member(Relation.SPOUSE, "刘大娘", dong_e_village),
    ]
    return {
        "household": factories.household(county_admin, dong_e_village, members),
        "assistant": factories.user(Role.TOWN_ASSISTANT, dong_e, username="az_assistant"),
        "other_assistant": factories.user(Role.TOWN_ASSISTANT, meigui, username="az_other"),
    }


def authorised(household) -> bool:
    return services.authorised(Household.objects.filter(pk=household.pk)).exists()


@pytest.mark.parametrize(
    ("document", "signer", "message"),
    [
        ("", "head", "核对授权书须有家庭成员签字的授权书扫描件，不能只勾选确认。"),
        ("授权书/1.pdf", None, "请注明授权书的签字人（须为该户的现有成员）。"),
        ("授权书/1.pdf", "stranger", "请注明授权书的签字人（须为该户的现有成员）。"),
    ],
)
def test_an_authorisation_without_a_signed_document_is_refused(
    towns, county_admin, document, signer, message
):
    household = towns["household"]
    people = {"head": head_of(household), None: None}
    if signer == "stranger":
        people["stranger"] = head_of(factories.household(county_admin, household.registered_region))
    audits = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.record_authorisation(
            towns["assistant"],
            household,
            AS_OF,
            signed_by=people[signer],
            document=document,
            document_sha256=hashlib.sha256(SCAN).hexdigest(),
        )
    assert refused.value.message == message
    assert not Authorisation.objects.exists() and AuditEntry.objects.count() == audits


def test_a_signed_authorisation_counts_once_the_town_responsible_has_checked_it(towns):
    household, head = towns["household"], head_of(towns["household"])
    recorded = services.record_authorisation(
        towns["other_assistant"],
        household,
        AS_OF,
        signed_by=head,
        document="授权书/1.pdf",
        document_sha256=hashlib.sha256(SCAN).hexdigest(),
        at_intake=True,
    )
    assert (recorded.signed_by, recorded.signed_on, recorded.checked_at) == (head, AS_OF, None)
    assert not authorised(household)
    with pytest.raises(DomainError) as refused:
        services.create_job(towns["assistant"], household=household)
    assert refused.value.message == "该家庭的核对授权书尚未经负责的镇（街道）核验，不能核对。"
    # The intake town is not the reviewer.
    with pytest.raises(DomainError) as refused:
        services.check_authorisations(towns["other_assistant"], household)
    assert refused.value.message == "该家庭不在您的管辖范围内。"
    assert Authorisation.objects.get().checked_at is None
    assert services.check_authorisations(towns["assistant"], household) == 1
    recorded.refresh_from_db()
    assert recorded.checked_by == towns["assistant"] and recorded.checked_at is not None
    assert authorised(household)


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCAN, content_type="application/pdf")


def test_intake_stores_the_scan_and_acceptance_checks_it(towns):
    household, head = towns["household"], head_of(towns["household"])
    case = cases.submit_application(
        towns["other_assistant"],
        cases.ApplicationInput(
            household=household,
            applicant=head,
            programme="dibao",
            reason="生活困难",
            commitment_signed=True,
            authorisation=cases.SignedAuthorisation(pdf("授权书.pdf"), timezone.localdate()),
        ),
    )
    (scan,) = case.documents.filter(kind="authorisation")
    recorded = Authorisation.objects.get()
    assert (recorded.household, recorded.signed_by) == (household, head)
    assert recorded.document == scan.stored_path and recorded.document_sha256 == scan.sha256
    assert recorded.recorded_by == towns["other_assistant"] and recorded.checked_at is None
    assert case.authorisation_signed_at is not None
    cases.accept(towns["assistant"], case, case.version)
    recorded.refresh_from_db()
    assert recorded.checked_by == towns["assistant"]
    page = client_for(towns["assistant"]).get(f"/cases/{case.pk}/").content.decode()
    assert f"签字人 {head.name}，签署日期 {long_date(timezone.localdate())}，已核验" in page


def test_an_authorisation_tick_without_a_scan_is_refused_at_intake(towns):
    household = towns["household"]
    with pytest.raises(DomainError) as refused:
        cases.submit_application(
            towns["assistant"],
            cases.ApplicationInput(
                household=household,
                applicant=head_of(household),
                programme="dibao",
                reason="生活困难",
                authorisation=cases.SignedAuthorisation(None, timezone.localdate()),
            ),
        )
    assert refused.value.message == "核对授权书须有家庭成员签字的授权书扫描件，不能只勾选确认。"
    assert not Authorisation.objects.exists()
    assert not household.cases.exists()


def test_an_authorisation_signed_by_another_member_names_that_member(towns):
    household = towns["household"]
    signer = household.memberships.get(relation=Relation.SPOUSE).person
    recorded = services.record_authorisation(
        towns["assistant"],
        household,
        AS_OF,
        signed_by=signer,
        document="授权书/2.pdf",
        document_sha256="0" * 64,
    )
    assert recorded.signed_by == signer
