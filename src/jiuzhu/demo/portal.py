"""Demo data for the applicant's phone service: a few households apply on the phone, one
reports a change and one complains, so the towns' lists and the applicants' pages have
something in them. Everything goes through the portal's own services."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from PIL import Image, ImageDraw

from jiuzhu.cases.models import OPEN_STATUSES, Case
from jiuzhu.core.errors import DomainError
from jiuzhu.core.programmes import Programme
from jiuzhu.portal import services
from jiuzhu.portal.household import Declaration, NewIncome
from jiuzhu.portal.models import MessageKind
from jiuzhu.registry.models import Membership, Relation

REASONS = {
    Programme.DIBAO: "家里老人常年生病，收入很少，生活困难，申请低保。",
    Programme.TEMPORARY: "家人突发重病住院，医疗费用负担不起，申请临时救助。",
}
MESSAGES = [
    (MessageKind.CHANGE, "我家儿子今年外出打工了，每月大约有两千元收入，特此报告。"),
    (MessageKind.COMPLAINT, "村里公示栏的名单很久没有更新，希望核实一下。"),
]


def _booklet_photo() -> SimpleUploadedFile:
    """A stand-in for a phone photo of the household booklet's page."""
    image = Image.new("RGB", (1200, 900), (236, 228, 210))
    ImageDraw.Draw(image).rectangle((60, 60, 1140, 840), outline=(120, 60, 40), width=6)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("户口簿.jpg", buffer.getvalue(), "image/jpeg")


def seed_demo(applications: int = 6, verify_url: str = "/portal/verify/") -> list[str]:
    """Phone applications from heads of households with a mobile and no open application
    (alternately dibao and emergency temporary aid; the first declares an income the
    register lacks), and two messages to towns. The signed authorisations are rendered here,
    not by a worker outliving the command. Returns one line per applicant who can sign in
    (name and ID number: the code is texted)."""
    with override_settings(JIUZHU_TASKS_INLINE=True):
        return _seed(applications, verify_url)


def _seed(applications: int, verify_url: str) -> list[str]:
    heads = (
        Membership.objects.filter(relation=Relation.HEAD, end_date__isnull=True)
        .exclude(person__phone="")
        .exclude(household__cases__status__in=OPEN_STATUSES)
        .select_related("person", "household")
        .order_by("household_id")
    )
    made: list[str] = []
    for membership in heads[: applications * 3]:
        if len(made) >= applications:
            break
        person = membership.person
        programme = Programme.DIBAO if len(made) % 2 == 0 else Programme.TEMPORARY
        try:
            case = services.apply(
                person,
                services.PhoneApplication(
                    household_id=membership.household_id,
                    programme=programme,
                    reason=REASONS[programme],
                    temporary_kind="emergency" if programme == Programme.TEMPORARY else "",
                    agree_authorisation=True,
                    agree_commitment=True,
                    typed_signature=person.name,
                    documents=[("household_booklet", _booklet_photo())],
                    declaration=Declaration(
                        incomes=[NewIncome("wages", "600", person.pk)] if not made else []
                    ),
                ),
                verify_url,
            )
        except DomainError:
            continue  # e.g. the household already receives the programme
        services.receipt_paper(person, case)
        made.append(f"{person.name} {person.id_number}（{case.number}）")
    for (kind, text), line in zip(MESSAGES, made, strict=False):
        number = line.rsplit("（", 1)[1].rstrip("）")
        case = Case.objects.select_related("applicant").get(number=number)
        services.write_to_town(case.applicant, kind, text)
    return made
