"""Demo data for medical assistance: in a few towns, dibao and tekun recipients' hospital
bills are entered by the town's assistant (one reaching the yearly cap, one settled at the
hospital), approved by the town's approver but for the latest, and the approved
post-settlement bills put into bank files. Everything goes through the medical services."""

import contextlib
import datetime as dt

import numpy as np
from django.utils import timezone

from jiuzhu.cases.models import Recipient, RecipientStatus
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.programmes import Programme
from jiuzhu.demo.accounts import town_pair
from jiuzhu.medical import formulas, services
from jiuzhu.medical.models import RULE_GROUP, BillSource, Category
from jiuzhu.policy.accessors import MedicalRule
from jiuzhu.registry.models import Membership, Relation

HOSPITALS = ["平阴县人民医院", "平阴县中医医院", "济南市中心医院", "东阿镇卫生院"]
# Eligible out-of-pocket in yuan: the second bill of the first patient reaches the cap.
ELIGIBLE = [8_600, 36_000, 5_400, 12_800, 3_200]


def _hospital_share(category: str, day: dt.date, eligible_fen: int) -> int:
    """What a hospital deducts at one-stop settlement for a first bill of the year."""
    rule = MedicalRule.on(day, RULE_GROUP[Category(category)])
    one = np.array([1], dtype=np.int64)
    result = formulas.assistance(
        one,
        one * eligible_fen,
        one * 0,
        one * 0,
        one * rule.deductible_fen,
        one * int(rule.share * formulas.BASIS),
        one * rule.cap_fen,
    )
    return int(result.amount_fen[0])


def seed_demo(towns: int = 3, today: dt.date | None = None) -> int:
    """Bills in up to `towns` towns (those with an assistant and an approver); the number
    of bills recorded."""
    today = today or timezone.localdate()
    made = 0
    for town in Region.objects.filter(level=RegionLevel.TOWN).order_by("code"):
        pair = town_pair(town)
        if pair is None or made >= towns * len(ELIGIBLE):
            continue
        assistant, approver = pair
        households = list(
            Recipient.objects.filter(
                programme__in=[Programme.DIBAO, Programme.TEKUN],
                status=RecipientStatus.ACTIVE,
                person__isnull=True,
                region_code__startswith=town.prefix,
                start_month__lte=today - dt.timedelta(days=60),
            )
            .order_by("household_id")
            .values_list("household_id", "programme")[: len(ELIGIBLE) - 1]
        )
        heads = dict(
            Membership.objects.filter(
                household_id__in=[h for h, _ in households],
                relation=Relation.HEAD,
                end_date__isnull=True,
            ).values_list("household_id", "person__id_number")
        )
        if len(households) < len(ELIGIBLE) - 1 or len(heads) < len(households):
            continue
        bills = []
        for number, eligible in enumerate(ELIGIBLE):
            household_id, programme = households[max(number - 1, 0)]
            day = today - dt.timedelta(days=50 - number * 9)
            one_stop = number == len(ELIGIBLE) - 1
            bills.append(
                services.BillInput(
                    id_number=heads[household_id],
                    hospital=HOSPITALS[number % len(HOSPITALS)],
                    admitted_on=day - dt.timedelta(days=4 + number),
                    discharged_on=day,
                    total_fen=(eligible + 9_000 + 1_500 + 600) * 100,
                    basic_fen=9_000 * 100,
                    critical_fen=1_500 * 100,
                    eligible_fen=eligible * 100,
                    self_paid_fen=600 * 100,
                    one_stop=one_stop,
                    deducted_fen=_hospital_share(programme, day, eligible * 100) if one_stop else 0,
                )
            )
        recorded = services.record_bills(assistant, bills, BillSource.ENTERED)
        for bill in recorded[:-2] + recorded[-1:]:  # the fourth waits for the approver
            services.approve(approver, bill)
        made += len(recorded)
        # Nobody with an account in force yet: the bills wait on the payments page.
        with contextlib.suppress(DomainError):
            services.make_payment_files(assistant)
    return made
