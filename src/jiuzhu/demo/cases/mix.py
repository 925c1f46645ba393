"""What the demo's cases are drawn from: shares, status weights, the texts of reasons
and findings."""

import json

from jiuzhu.cases.models import (
    OPEN_STATUSES,
    Status,
)
from jiuzhu.core.programmes import Programme

OPEN_PER_HOUSEHOLD = 0.01


MIN_OPEN_PER_TOWN = 10


# Share of eligible dibao households already in force (the rest apply, or have not yet).
DIBAO_IN_FORCE_SHARE = 0.97


TEKUN_IN_FORCE_SHARE = 0.85


# Open applications by programme (dibao, tekun, temporary).
OPEN_MIX = (0.55, 0.1, 0.35)


SPECIAL_HARDSHIP_SHARE = 0.1  # of open dibao applications


OVERDUE_SHARE = 0.15  # of undecided cases: past their decision date


DUE_SOON_SHARE = 0.15  # within the last three working days of the clock


# Statuses of open dibao applications and their weights.
DIBAO_STATUSES = (
    (Status.SUBMITTED, 0.12),
    (Status.ACCEPTED, 0.15),
    (Status.INVESTIGATING, 0.28),
    (Status.COMMUNITY_REVIEW, 0.15),
    (Status.DECIDING, 0.15),
    (Status.NOTICE, 0.15),
)


TEKUN_STATUSES = (
    (Status.SUBMITTED, 0.15),
    (Status.ACCEPTED, 0.15),
    (Status.INVESTIGATING, 0.3),
    (Status.DECIDING, 0.2),
    (Status.NOTICE, 0.2),
)


TEMPORARY_STATUSES = (
    (Status.SUBMITTED, 0.2),
    (Status.ACCEPTED, 0.2),
    (Status.INVESTIGATING, 0.35),
    (Status.DECIDING, 0.25),
)


# The stage reached, in order: events are appended up to the case's status.
# (The open statuses are listed in the order a case goes through them.)
STAGES = (*OPEN_STATUSES, Status.IN_FORCE)


REASONS: dict[str, tuple[str, ...]] = {
    Programme.DIBAO: (
        "家庭成员年老体弱，无稳定收入，生活困难。",
        "户主患慢性病长期服药，家庭收入低于当地低保标准。",
        "家中有重度残疾人需要照料，无法外出务工，收入微薄。",
        "丈夫去世，独自抚养孩子，仅靠零星务工维持生活。",
        "夫妻二人均体弱多病，仅有少量养老金和种地收入。",
    ),
    Programme.TEKUN: (
        "老人独居，无劳动能力，无生活来源，无法定赡养人。",
        "年老无子女，独自生活，收入仅有基础养老金。",
    ),
    Programme.TEMPORARY: (
        "家庭成员突发重病住院，医疗费用自付部分较高，生活陷入困境。",
        "房屋因火灾受损，急需临时救助。",
        "因交通事故受伤，暂时无法劳动，家庭生活困难。",
        "子女就学费用支出较大，家庭收入不足以维持基本生活。",
    ),
}


HOME_VISIT_FINDINGS = (
    "入户核实家庭成员及居住情况，家中无车辆，住房简陋，收入来源有限。",
    "核实成员健康和劳动能力情况，走访邻里，情况与申报基本一致。",
    "查看住房及财产情况，无经营性资产，家庭生活确有困难。",
)


ADVANCE_AID_METHOD = "银行卡转账"
SECOND_STAFF = ("李协理员", "王协理员", "张网格员", "刘村委委员", "赵村会计")


CHECKLIST = json.dumps(
    {
        "members_confirmed": True,
        "housing_checked": True,
        "income_sources": True,
        "assets_checked": True,
        "health_checked": True,
        "neighbours_asked": True,
    }
)
