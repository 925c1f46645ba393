"""What each programme's public page says: who can get it, what to bring, the steps, how to
object; the amounts and time limits come from the standards in force (PublicStandards), so
the pages change when the county enters new ones (docs/policy/county-opinions.md#programmes).
"""

from collections.abc import Callable
from dataclasses import dataclass

from jiuzhu.core.money import format_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.accessors import PublicStandards

NOT_SET = "（以县里最新公布的标准为准）"


def _yuan(standards: PublicStandards, key: str) -> str:
    fen = standards.money(key)
    return f"{format_yuan(fen)}元" if fen is not None else NOT_SET


def _count(standards: PublicStandards, key: str, unit: str) -> str:
    value = standards.count(key)
    return f"{value}{unit}" if value is not None else NOT_SET


def _percent(standards: PublicStandards, key: str) -> str:
    value = standards.percent(key)
    return f"{value}%" if value is not None else NOT_SET


def usual_duration(s: PublicStandards) -> str:
    """The time limit of an ordinary application, from the procedure's parameters."""
    return (
        f"乡镇（街道）自受理之日起{_count(s, 'procedure.decision_working_days', '个工作日')}"
        f"内作出决定，其间在村（社区）公示{_count(s, 'procedure.notice_days', '天')}；"
        f"情况紧急的，先行救助，{_count(s, 'procedure.advance_aid_hours', '小时')}内到位。"
    )


def _dibao(s: PublicStandards) -> list[str]:
    return [
        f"城市低保标准：每人每月{_yuan(s, 'dibao.standard.urban')}",
        f"农村低保标准：每人每月{_yuan(s, 'dibao.standard.rural')}",
        "按家庭人均收入低于标准的差额发放，老年人、重度残疾人等另有增发。",
    ]


def _tekun(s: PublicStandards) -> list[str]:
    return [
        f"基本生活标准：城市每人每月{_yuan(s, 'tekun.basic.urban')}，"
        f"农村每人每月{_yuan(s, 'tekun.basic.rural')}",
        f"照料护理标准：生活自理每人每月{_yuan(s, 'tekun.care.self_care')}，"
        f"半护理{_yuan(s, 'tekun.care.semi_dependent')}，"
        f"全护理{_yuan(s, 'tekun.care.dependent')}",
    ]


def _children(s: PublicStandards) -> list[str]:
    return [
        f"机构养育孤儿每人每月{_yuan(s, 'children.standard.institutional')}",
        f"社会散居孤儿、事实无人抚养儿童每人每月{_yuan(s, 'children.standard.dispersed')}",
        f"保障到年满{_count(s, 'children.max_age', '周岁')}为止。",
    ]


def _medical(s: PublicStandards) -> list[str]:
    return [
        f"特困人员、低保对象、返贫致贫人口：起付线{_yuan(s, 'medical.assisted.deductible')}，"
        f"政策范围内个人自付费用救助{_percent(s, 'medical.assisted.share')}，"
        f"年度最高{_yuan(s, 'medical.assisted.cap')}",
        f"低保边缘家庭成员、防止返贫监测对象：起付线{_yuan(s, 'medical.edge.deductible')}，"
        f"救助{_percent(s, 'medical.edge.share')}，年度最高{_yuan(s, 'medical.edge.cap')}",
    ]


def _education(_: PublicStandards) -> list[str]:
    return ["按学段由教育部门落实资助（学前、义务教育、高中、职业教育、大学入学）。"]


def _temporary(s: PublicStandards) -> list[str]:
    return [
        "按困难程度一次性救助。",
        "乡镇（街道）可审批每人最多"
        f"{_count(s, 'temporary.town_limit_months', '个月')}的当地低保标准；"
        f"超过的报县级审批，每户最多{_count(s, 'temporary.county_limit_months', '个月')}"
        "的低保标准。",
    ]


def _disability(s: PublicStandards) -> list[str]:
    return [
        f"困难残疾人生活补贴：每人每月{_yuan(s, 'disability.living_subsidy')}",
        f"重度残疾人护理补贴：每人每月{_yuan(s, 'disability.nursing_subsidy')}"
        f"（残疾等级{_count(s, 'disability.nursing_max_grade', '级')}及以上）",
    ]


def _elderly(s: PublicStandards) -> list[str]:
    return [
        f"年满{_count(s, 'elderly.min_age', '周岁')}的经济困难老年人："
        f"每人每月{_yuan(s, 'elderly.subsidy')}"
    ]


def _charity(_: PublicStandards) -> list[str]:
    return ["由慈善组织按项目确定，政府救助后仍有困难的优先。"]


@dataclass(frozen=True)
class Guide:
    code: str
    who: tuple[str, ...]
    amounts: Callable[[PublicStandards], list[str]]
    bring: tuple[str, ...]
    duration: Callable[[PublicStandards], str] = usual_duration

    @property
    def title(self) -> str:
        return str(Programme(self.code).label)


ID_AND_HOUSEHOLD = "申请人及家庭成员的身份证、户口簿"
AUTHORISATION = "家庭经济状况核对授权书（全体家庭成员签字，窗口可领取）"
INCOME = "家庭成员收入情况说明（工资、养老金等）"

GUIDES: dict[str, Guide] = {
    guide.code: guide
    for guide in (
        Guide(
            Programme.DIBAO,
            (
                "共同生活的家庭成员人均收入低于当地低保标准；",
                "家庭财产（存款、车辆、房产等）符合县里规定。",
                "重度残疾人、重病患者所在的脱贫户、低保边缘家庭，可单独申请。",
            ),
            _dibao,
            (ID_AND_HOUSEHOLD, AUTHORISATION, INCOME, "残疾证、病历等（如有）"),
        ),
        Guide(
            Programme.TEKUN,
            (
                "老年人、残疾人或未满16周岁的未成年人，",
                "无劳动能力、无生活来源，且无赡养、抚养、扶养义务人或其无履行能力。",
            ),
            _tekun,
            (ID_AND_HOUSEHOLD, AUTHORISATION, "残疾证或能力评估材料（如有）"),
        ),
        Guide(
            Programme.CHILDREN,
            (
                "孤儿、事实无人抚养儿童；",
                "因家庭贫困、自身残疾或监护缺失等陷入困境的儿童。",
            ),
            _children,
            (ID_AND_HOUSEHOLD, "父母死亡、失踪、服刑或重残等证明", "监护人身份证"),
        ),
        Guide(
            Programme.MEDICAL,
            (
                "特困人员、低保对象、防止返贫监测对象和低保边缘家庭成员；",
                "医疗费用负担过重、导致基本生活严重困难的患者。",
            ),
            _medical,
            (ID_AND_HOUSEHOLD, "住院费用结算单、发票", "医保报销凭证"),
            lambda s: "定点医院出院时“一站式”直接结算；其他情况按申请办理：" + usual_duration(s),
        ),
        Guide(
            Programme.EDUCATION,
            ("低保、特困家庭及防止返贫监测对象家庭在校学生；", "家庭经济困难的学生。"),
            _education,
            (ID_AND_HOUSEHOLD, "学生证或入学通知书", "低保证、特困证等（如有）"),
        ),
        Guide(
            Programme.TEMPORARY,
            (
                "因火灾、交通事故、突发重病等意外，基本生活暂时出现严重困难的家庭或个人；",
                "在本县遇困的外地人员也可向所在地乡镇（街道）申请。",
            ),
            _temporary,
            (ID_AND_HOUSEHOLD, "事故、医疗等证明材料（如有）"),
        ),
        Guide(
            Programme.DISABILITY,
            (
                "持第二代残疾人证；",
                "生活补贴：低保家庭中的残疾人；护理补贴：重度残疾人。",
            ),
            _disability,
            (ID_AND_HOUSEHOLD, "第二代残疾人证"),
        ),
        Guide(
            Programme.ELDERLY,
            ("达到规定年龄、家庭经济困难（低保、特困等）的本县户籍老年人。",),
            _elderly,
            (ID_AND_HOUSEHOLD, "银行卡或存折"),
        ),
        Guide(
            Programme.CHARITY,
            ("享受政府救助后仍有困难的家庭和个人，以及政府救助暂时覆盖不到的困难群众。",),
            _charity,
            (ID_AND_HOUSEHOLD, "困难情况说明及证明材料"),
        ),
    )
}

STEPS = (
    "到户籍所在地或居住地的乡镇（街道）便民服务窗口提出申请（就近可办），或用手机“掌上办”在线申请；",
    "签署家庭经济状况核对授权书，窗口核对收入和财产；",
    "村（社区）入户调查，乡镇（街道）审核确认，结果在村（社区）公示；",
    "确认后按月打卡发放，不收任何费用。",
)

OBJECTION = (
    "对决定不服的，可自收到决定书之日起60日内向县人民政府申请行政复议，"
    "或6个月内向人民法院提起行政诉讼；"
    "对公示有意见、或发现优亲厚友、不公正的，可在公示期内向乡镇（街道）或县民政局反映，"
    "也可拨打热线或在网上投诉。"
)
