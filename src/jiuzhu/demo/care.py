"""Demo data for tekun's care facts and children in hardship, in the first town with an
assistant and an approver: a care home and a children's welfare institution with their
accounts; some tekun recipients assessed (self-care to dependent), their supporters found
unable, one moved into the care home, each reviewed so that the amount follows the level;
and children whose parents cannot raise them recorded with their guardian and approved
(one orphan, one de facto unsupported child, one in the institution). Everything goes
through the services, deterministic for a seed."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, Recipient, RecipientStatus
from jiuzhu.core import idnumber
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.programmes import Programme
from jiuzhu.demo.accounts import accepted_visited_approved, town_pair
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import BankAccount
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.care.models import ACTIVITIES, CareInstitution
from jiuzhu.registry.models import Membership, Person, Relation

TEKUN_ASSESSED = 6
# (father, mother, institutional) of the demo's children.
CHILDREN = (
    ("deceased", "deceased", False),
    ("imprisoned", "missing", False),
    ("deceased", "severely_disabled", True),
)


@dataclass
class CareDemo:
    institutions: int = 0
    assessed: int = 0
    children: int = 0


def _institutions(assistant: User, town: Region) -> tuple[CareInstitution, CareInstitution]:
    code = town.code[:9]
    found = [
        CareInstitution.objects.filter(name=name).first()
        or registry_care.add_institution(
            assistant,
            name,
            town,
            f"52370124MJ{code[-6:]}{n}X",
            "平阴县农村商业银行",
            f"62300101{code[-6:]}{n:02d}",
            name,
            address=f"{town.name}政府驻地",
        )
        for n, name in enumerate((f"{town.name}敬老院", f"{town.name}儿童福利服务站"), start=1)
    ]
    return found[0], found[1]


def _assess_tekun(
    assistant: User,
    approver: User,
    town: Region,
    home: CareInstitution,
    rng: np.random.Generator,
    wanted: int,
) -> int:
    today = timezone.localdate()
    recipients = list(
        Recipient.objects.filter(
            programme=Programme.TEKUN,
            status=RecipientStatus.ACTIVE,
            person__isnull=False,
            region_code__startswith=town.prefix,
        )
        .select_related("case", "person")
        .order_by("pk")[: max(wanted, 0)]
    )
    keys = [key for key, _label in ACTIVITIES]
    for n, recipient in enumerate(recipients):
        person = recipient.person
        assert person is not None
        unable = set(rng.choice(keys, size=(0, 1, 2, 4, 5, 6)[n % 6], replace=False).tolist())
        services.assess_self_care(
            assistant,
            person,
            today - dt.timedelta(days=int(rng.integers(5, 300))),
            "王淑芬",
            "平阴县社会福利中心评估组",
            unable,
        )
        registry_care.record_supporter(
            assistant, person, f"{person.name[0]}某", "child", False, today, today, "重度残疾"
        )
        if n == 0:
            registry_care.record_arrangement(
                assistant, person, "institutional", today, today, home, "生活不能自理，入住敬老院"
            )
        case = Case.objects.get(pk=recipient.case_id)
        services.review(approver, case, case.version, "录入生活自理能力评估，重新核定照料护理标准")
    return len(recipients)


def _guardian_account(assistant: User, approver: User, guardian: Person) -> None:
    if BankAccount.objects.filter(person=guardian, valid=True).exists():
        return
    membership = Membership.objects.select_related("household").get(
        person=guardian, end_date__isnull=True
    )
    requested = payments.set_account(
        assistant,
        membership.household,
        guardian,
        "平阴县农村商业银行",
        f"6221880{guardian.pk:09d}",
        guardian.name,
    )
    payments.approve_account(approver, requested)


def _children(
    assistant: User, approver: User, town: Region, institution: CareInstitution, wanted: int
) -> int:
    today = timezone.localdate()
    taken = Recipient.objects.filter(programme=Programme.CHILDREN).values("household_id")
    members = (
        Membership.objects.filter(
            end_date__isnull=True,
            relation__in=(Relation.CHILD, Relation.GRANDCHILD),
            household__registered_code__startswith=town.prefix,
            person__birth_date__gt=today.replace(year=today.year - 15),
            person__birth_date__lt=today.replace(year=today.year - 6),
        )
        .exclude(household_id__in=taken)
        .select_related("person", "household")
        .order_by("household_id")
    )
    made = 0
    for membership in members:
        if made >= wanted:
            break
        head = (
            Membership.objects.filter(
                household=membership.household, relation=Relation.HEAD, end_date__isnull=True
            )
            .select_related("person")
            .first()
        )
        if head is None or idnumber.age_on(head.person.birth_date, today) < 18:
            continue
        father, mother, institutional = CHILDREN[len(CHILDREN) - wanted + made]
        child = membership.person
        services.record_child(
            assistant,
            child,
            father,
            mother,
            "死亡证明、判决书、残疾证（复印件存档）",
            today,
            head.person,
            "祖父母" if membership.relation == Relation.GRANDCHILD else "亲属",
        )
        if institutional:
            registry_care.record_arrangement(
                assistant, child, "institutional", today, today, institution
            )
        _guardian_account(assistant, approver, head.person)
        case = services.submit_application(
            assistant,
            services.ApplicationInput(
                household=membership.household,
                applicant=head.person,
                programme=Programme.CHILDREN,
                reason="父母无法履行抚养义务，申请孤困儿童基本生活保障。",
                beneficiary=child,
                commitment_signed=True,
            ),
        )
        accepted_visited_approved(
            assistant, approver, case, "儿童随祖辈生活，父母无法履行抚养义务，情况属实。"
        )
        made += 1
    return made


def seed_demo(seed: int = 5) -> CareDemo:
    """The care records, town by town (those with an assistant and an approver) until
    enough tekun recipients are assessed and children approved."""
    rng = np.random.default_rng(seed)
    made = CareDemo()
    for town in Region.objects.filter(level=RegionLevel.TOWN).order_by("code"):
        pair = town_pair(town)
        if pair is None:
            continue
        assistant, approver = pair
        home, children_home = _institutions(assistant, town)
        made.institutions += 2
        made.assessed += _assess_tekun(
            assistant, approver, town, home, rng, TEKUN_ASSESSED - made.assessed
        )
        made.children += _children(
            assistant, approver, town, children_home, len(CHILDREN) - made.children
        )
        if made.assessed >= TEKUN_ASSESSED and made.children >= len(CHILDREN):
            break
    return made
