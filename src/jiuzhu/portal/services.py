"""What an applicant does on the phone: apply, answer a request for documents, report a
change, complain. Applications go through the cases intake services, taken in by the
town's 掌上办 account, so that the town receives them exactly as from its window."""

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import Case, Channel, DocumentKind, HomeVisit
from jiuzhu.core.errors import DomainError
from jiuzhu.core.programmes import Programme
from jiuzhu.oversight import complaints
from jiuzhu.oversight.models import Complaint, ComplaintCategory, ComplaintChannel
from jiuzhu.portal import household as declared
from jiuzhu.portal import papers
from jiuzhu.portal.models import (
    ApplicantMessage,
    IssuedPaper,
    MessageKind,
    PaperKind,
    SignedRecord,
)
from jiuzhu.portal.selectors import applicant_household, case_of
from jiuzhu.portal.signing import online_account, render_soon
from jiuzhu.portal.uploads import shrink
from jiuzhu.registry.models import Household, Membership, Person

MAX_FILES = 8
MAX_SIGNATURE_BYTES = 200 * 1024
# What an applicant may upload: not the signed authorisation or commitment, which they
# sign on the screen.
APPLICANT_KINDS = (
    DocumentKind.HOUSEHOLD_BOOKLET,
    DocumentKind.ID_CARDS,
    DocumentKind.DISABILITY_CERTIFICATE,
    DocumentKind.MEDICAL_RECORDS,
    DocumentKind.SCHOOL_CERTIFICATE,
    DocumentKind.INCIDENT_PROOF,
    DocumentKind.OTHER,
)


@dataclass
class PhoneApplication:
    """What the apply page collects."""

    household_id: int
    programme: str
    reason: str
    temporary_kind: str = ""
    hardship: cases.Hardship = field(default_factory=cases.Hardship)
    schooling: cases.Schooling = field(default_factory=cases.Schooling)
    beneficiary_id: int | None = None
    agree_authorisation: bool = False
    agree_commitment: bool = False
    typed_signature: str = ""
    drawn_signature: str = ""  # a data: URL of the PNG drawn on the screen
    # A family member or village coordinator operating the phone for the applicant.
    on_behalf: str = ""
    documents: list[tuple[str, UploadedFile]] = field(default_factory=list)
    # Members, incomes and assets the applicant confirmed or entered.
    declaration: declared.Declaration = field(default_factory=declared.Declaration)


def _drawn(data_url: str) -> bytes:
    if not data_url:
        return b""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > MAX_SIGNATURE_BYTES * 4 // 3 + 40:
        raise DomainError("手写签名无法识别，请重新签名。", field="signature")
    try:
        content = base64.b64decode(data_url[len(prefix) :], validate=True)
        with Image.open(BytesIO(content)) as image:
            if image.format != "PNG":
                raise DomainError("手写签名无法识别，请重新签名。", field="signature")
    except (binascii.Error, UnidentifiedImageError, OSError) as exc:
        raise DomainError("手写签名无法识别，请重新签名。", field="signature") from exc
    return content


def _signature(person: Person, data: PhoneApplication, now: dt.datetime) -> papers.Signature:
    if not (data.agree_authorisation and data.agree_commitment):
        raise DomainError("请阅读并同意核对授权书和承诺书。", field="signature")
    drawn = _drawn(data.drawn_signature)
    typed = data.typed_signature.strip()
    if not drawn and typed != person.name:
        raise DomainError("请签名：输入与身份证一致的姓名，或在框内手写签名。", field="signature")
    helper = data.on_behalf.strip()[:40]
    return papers.Signature(
        person,
        now,
        typed=typed if not drawn else "",
        drawn=drawn,
        on_behalf_of=f"由{helper}代为操作" if helper else "",
    )


def _documents(data: PhoneApplication) -> list[tuple[str, UploadedFile]]:
    if len(data.documents) > MAX_FILES:
        raise DomainError(f"一次最多上传{MAX_FILES}个文件。", field="documents")
    for kind, _upload in data.documents:
        if kind not in APPLICANT_KINDS:
            raise DomainError("材料类别无效。", field="documents")
    return [(kind, shrink(upload)) for kind, upload in data.documents]


def _beneficiary(household: Household, beneficiary_id: int | None) -> Person | None:
    if beneficiary_id is None:
        return None
    membership = Membership.objects.filter(
        household=household, person_id=beneficiary_id, end_date__isnull=True
    ).first()
    if membership is None:
        raise DomainError("救助对象须是您家庭的现有成员。", field="beneficiary")
    return membership.person


def _away(household: Household) -> bool:
    """Lives in another town than the registration (人户分离): applies where they live."""
    return cases.town_of(household.residence_region) != cases.town_of(household.registered_region)


def apply(person: Person, data: PhoneApplication, verify_url: str) -> Case:
    """Submit an application from the phone, with the authorisation and commitment signed
    on the screen; it reaches the town responsible as a window intake does."""
    household = applicant_household(person)
    if household is None or household.pk != data.household_id:
        raise DomainError("您不是该家庭的现有成员，不能为该家庭申请。", field="household")
    if data.programme not in Programme.values:
        raise DomainError("请选择申请的救助项目。", field="programme")
    now = timezone.now()
    signature = _signature(person, data, now)
    documents = _documents(data)
    beneficiary = _beneficiary(household, data.beneficiary_id)
    declared.check(household, person, data.declaration)
    by_residence = _away(household)
    town = cases.route(household, by_residence)
    account = online_account(town)
    with transaction.atomic():
        notes = [
            # Staff see who operated the phone for the applicant, and what was declared.
            f"（{signature.on_behalf_of}）" if signature.on_behalf_of else "",
            declared.record(account, household, data.declaration),
        ]
        case = cases.submit_application(
            account,
            cases.ApplicationInput(
                household=household,
                applicant=person,
                programme=data.programme,
                reason="\n".join([data.reason.strip(), *filter(None, notes)]),
                channel=Channel.PHONE,
                beneficiary=beneficiary,
                temporary_kind=data.temporary_kind,
                hardship=data.hardship,
                schooling=data.schooling,
                by_residence=by_residence,
                commitment_signed=True,
                documents=documents,
            ),
        )
        paper = papers.issue(
            PaperKind.AUTHORISATION,
            household=household,
            person=person,
            issuer=town,
            summary=f"申请人签署的核对授权书和承诺书（申请{case.number}）",
            case=case,
        )
        # What was signed, kept now; its PDF is rendered and attached in the background.
        SignedRecord.objects.create(
            paper=paper,
            typed=signature.typed,
            drawn=signature.drawn,
            on_behalf_of=signature.on_behalf_of,
            verify_url=verify_url[:200],
            signed_at=now,
        )
    render_soon(account)
    return case


def answer_request(person: Person, number: str, documents: list[tuple[str, UploadedFile]]) -> Case:
    """Upload the documents the town asked for while the case waits for them."""
    case = case_of(person, number)
    if case is None:
        raise DomainError("没有找到该申请。")
    if case.paused_since is None:
        raise DomainError("该申请目前不需要补充材料。", field="documents")
    if not documents:
        raise DomainError("请选择要上传的文件。", field="documents")
    ready = _documents(PhoneApplication(0, "", "", documents=documents))
    cases.add_documents(online_account(case.responsible_town), case, ready)
    return case


@dataclass
class Written:
    """What the applicant wrote, and the complaint it became (to follow its reply)."""

    message: ApplicantMessage
    complaint: Complaint | None = None


def write_to_town(person: Person, kind: str, text: str, source_ip: str | None = None) -> Written:
    """A change of circumstances or a complaint, to the town of the household's residence
    (where it is looked after); a complaint is also filed with the complaints and reports
    (投诉举报) as sent from the phone, assigned and answered there."""
    if kind not in MessageKind.values:
        raise DomainError("请选择留言类别。", field="kind")
    text = text.strip()
    if not text or len(text) > 2000:
        raise DomainError("请填写内容（最多2000字）。", field="text")
    household = applicant_household(person)
    if household is None:
        raise DomainError("没有找到您的家庭档案，请到乡镇（街道）窗口办理。")
    town = cases.town_of(household.residence_region)
    with transaction.atomic():
        complaint = None
        if kind == MessageKind.COMPLAINT:
            complaint = complaints.submit_public(
                town=town,
                category=ComplaintCategory.OTHER,
                content=text,
                anonymous=False,
                name=person.name,
                phone=person.phone,
                source_ip=source_ip,
                channel=ComplaintChannel.PORTAL,
            )
        message = ApplicantMessage.objects.create(
            kind=kind,
            person=person,
            household=household,
            town=town,
            town_code=town.code,
            text=text,
            created_at=timezone.now(),
        )
    return Written(message, complaint)


def receipt_paper(person: Person, case: Case) -> IssuedPaper:
    return papers.issue(
        PaperKind.RECEIPT,
        household=case.household,
        person=person,
        issuer=case.responsible_town,
        summary=f"{case.get_programme_display()}申请{case.number}的受理回执",
        case=case,
    )


def decision_paper(person: Person, case: Case) -> IssuedPaper:
    return papers.issue(
        PaperKind.DECISION,
        household=case.household,
        person=person,
        issuer=case.responsible_town,
        summary=f"申请{case.number}的审核确认决定（{case.get_status_display()}）",
        case=case,
    )


def home_visit_paper(person: Person, case: Case, visit: HomeVisit) -> IssuedPaper:
    return papers.issue(
        PaperKind.HOME_VISIT,
        household=case.household,
        person=person,
        issuer=case.responsible_town,
        summary=f"申请{case.number}的入户调查记录（{visit.visited_on:%Y年%m月%d日}入户）",
        case=case,
    )


def termination_paper(person: Person, case: Case) -> IssuedPaper:
    return papers.issue(
        PaperKind.TERMINATION,
        household=case.household,
        person=person,
        issuer=case.responsible_town,
        summary=f"{case.get_programme_display()}（{case.number}）停止救助",
        case=case,
    )


def certificate_paper(person: Person, household: Household, programmes: list[str]) -> IssuedPaper:
    town = cases.town_of(household.residence_region)
    return papers.issue(
        PaperKind.CERTIFICATE,
        household=household,
        person=person,
        issuer=town,
        summary=f"其家庭目前享受{'、'.join(programmes)}",
    )
