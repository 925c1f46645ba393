"""Printable A4 papers for applicants and other departments: the issuing authority, the
date and a verification code (also as a QR code) that the public page resolves. The
Chinese font is embedded (subset), as on the notice board's PDF."""

import datetime as dt
import secrets
from dataclasses import dataclass
from io import BytesIO

import segno
from django.utils import timezone
from fpdf import FPDF

from jiuzhu.cases.models import Case, HomeVisit, Status
from jiuzhu.cases.public import mask_name
from jiuzhu.cases.rules import HOME_VISIT_CHECKLIST, decision_deadline_working_days
from jiuzhu.core import idnumber
from jiuzhu.core.models import Region
from jiuzhu.portal import font
from jiuzhu.portal.models import IssuedPaper, PaperKind
from jiuzhu.registry.models import Household, Person

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
CODE_LENGTH = 12

AUTHORISATION_TEXT = (
    "本人及共同生活的家庭成员授权民政部门及其委托的机构，向公安、人力资源社会保障、"
    "住房城乡建设、自然资源、市场监管、税务、金融机构等单位查询核对本家庭成员的户籍、"
    "收入、财产等经济状况信息，用于社会救助审核确认。查询结果仅用于社会救助，依法保密。"
)
COMMITMENT_TEXT = (
    "本人承诺所申报的家庭成员、收入、财产等情况真实、完整，如有隐瞒、虚报，愿意退还"
    "多领取的救助金并承担相应法律责任；家庭人口、收入、财产发生变化时，及时向所在乡镇"
    "（街道）报告。"
)
HOW_TO_OBJECT = (
    "如对本决定不服，可以自收到本决定之日起60日内向县人民政府申请行政复议，"
    "或者在6个月内向人民法院提起行政诉讼。"
)


def issuer_name(town: Region) -> str:
    """The authority a paper is issued by: the town's government or the street's office."""
    return f"{town.name}办事处" if town.name.endswith("街道") else f"{town.name}人民政府"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue(
    kind: str,
    *,
    household: Household,
    person: Person,
    issuer: Region,
    summary: str,
    case: Case | None = None,
    code: str = "",
) -> IssuedPaper:
    """The paper's record with its code: one per case and kind (printing again prints the
    same paper); the certificate, which states today's situation, one per day."""
    existing = IssuedPaper.objects.filter(kind=kind, case=case, household=household)
    if kind == PaperKind.CERTIFICATE:
        existing = existing.filter(issued_at__date=timezone.localdate())
    if kind == PaperKind.HOME_VISIT:  # one per visit: the summary names it
        existing = existing.filter(summary=summary[:200])
    found = existing.first()
    if found is not None:
        return found
    return IssuedPaper.objects.create(
        code=code or new_code(),
        kind=kind,
        case=case,
        household=household,
        person=person,
        issuer=issuer,
        summary=summary[:200],
        issued_at=timezone.now(),
    )


def resolve(code: str) -> IssuedPaper | None:
    """The paper a code was printed on, for the public check."""
    value = code.strip().upper().replace(" ", "").replace("-", "")
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return None
    return IssuedPaper.objects.filter(code=value).select_related("issuer", "person").first()


@dataclass
class Signature:
    """How the applicant signed on the screen: a typed name, or a drawn one (PNG)."""

    signer: Person
    signed_at: dt.datetime
    typed: str = ""
    drawn: bytes = b""
    on_behalf_of: str = ""


class _Paper(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(auto=True, margin=40)
        font.add_to(self)
        self.set_title(title)
        self.add_page()
        self.set_font("paper", size=18)
        self.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("paper", size=12)

    def line_of(self, text: str) -> None:
        self.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    def facts(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.cell(40, 9, label, border=1)
            self.multi_cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def finish(self, issuer: str, code: str, verify_url: str, day: dt.date) -> bytes:
        self.ln(6)
        self.cell(0, 8, issuer, align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 8, f"{day:%Y年%m月%d日}", align="R", new_x="LMARGIN", new_y="NEXT")
        qr = BytesIO()
        segno.make(f"{verify_url}?code={code}", error="m").save(qr, kind="png", scale=4)
        qr.seek(0)
        top = self.get_y() + 4
        self.image(qr, x=self.l_margin, y=top, w=28)
        self.set_xy(self.l_margin + 32, top + 4)
        self.set_font("paper", size=10)
        self.multi_cell(
            0,
            6,
            f"验证码：{code}\n核验真伪：扫描二维码，或在 {verify_url} 输入验证码。",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        buffer = BytesIO()
        self.output(buffer)
        return buffer.getvalue()


def programme_of(case: Case) -> str:
    label = case.get_programme_display()
    return f"{label}（{case.get_temporary_kind_display()}）" if case.temporary_kind else label


def authorisation_pdf(
    case_programme: str,
    household: Household,
    signature: Signature,
    town: Region,
    code: str,
    verify_url: str,
) -> bytes:
    """The 授权书 and 承诺书 as signed on the phone: the texts, the signer, the time and the
    signature itself. This file is the signed record the case and verification keep."""
    pdf = _Paper("家庭经济状况核对授权书和承诺书")
    pdf.facts(
        [
            ("申请项目", case_programme),
            ("签署人", signature.signer.name),
            ("身份证号", idnumber.mask(signature.signer.id_number, idnumber.Visibility.PARTIAL)),
            ("家庭户编号", household.number),
            ("签署时间", f"{timezone.localtime(signature.signed_at):%Y年%m月%d日 %H:%M}"),
            (
                "签署方式",
                "手机在线签署" + (f"，{signature.on_behalf_of}" if signature.on_behalf_of else ""),
            ),
        ]
    )
    pdf.set_font("paper", size=14)
    pdf.cell(0, 10, "一、核对授权书", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("paper", size=12)
    pdf.line_of(AUTHORISATION_TEXT)
    pdf.set_font("paper", size=14)
    pdf.cell(0, 10, "二、承诺书", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("paper", size=12)
    pdf.line_of(COMMITMENT_TEXT)
    pdf.ln(4)
    if signature.drawn:
        pdf.cell(30, 10, "签名：")
        pdf.image(BytesIO(signature.drawn), x=pdf.get_x(), y=pdf.get_y(), h=20)
        pdf.ln(24)
    else:
        pdf.cell(0, 10, f"签名：{signature.typed}（输入签名）", new_x="LMARGIN", new_y="NEXT")
    return pdf.finish(issuer_name(town), code, verify_url, timezone.localdate(signature.signed_at))


def receipt_pdf(case: Case, paper: IssuedPaper, verify_url: str) -> bytes:
    pdf = _Paper("社会救助申请受理回执")
    pdf.facts(
        [
            ("申请编号", case.number),
            ("申请项目", programme_of(case)),
            ("申请人", case.applicant.name),
            ("提交时间", f"{timezone.localtime(case.submitted_at):%Y年%m月%d日 %H:%M}"),
            ("申请渠道", case.get_channel_display()),
            ("办理单位", case.responsible_town.name),
        ]
    )
    pdf.line_of(
        "您的申请已提交。乡镇（街道）受理后一般在"
        f"{decision_deadline_working_days(timezone.localdate())}个工作日内作出审核确认决定，"
        "办理进度和结果会以短信告知，也可在手机上随时查询。"
    )
    return pdf.finish(
        issuer_name(case.responsible_town),
        paper.code,
        verify_url,
        timezone.localdate(paper.issued_at),
    )


def decision_pdf(
    case: Case, start_month: dt.date | None, paper: IssuedPaper, verify_url: str
) -> bytes:
    approved = case.status != Status.REJECTED
    pdf = _Paper("社会救助审核确认决定书")
    rows = [
        ("申请编号", case.number),
        ("申请人", case.applicant.name),
        ("申请项目", programme_of(case)),
        ("决定", "批准" if approved else "不予批准"),
    ]
    if approved and case.monthly_amount is not None:
        rows.append(("月救助金额", f"{case.monthly_amount}元"))
    if approved and case.one_off_amount is not None:
        rows.append(("救助金额", f"{case.one_off_amount}元"))
    if approved and start_month is not None:
        rows.append(("起始月份", f"{start_month:%Y年%m月}"))
    if case.decided_at is not None:
        rows.append(("决定日期", f"{timezone.localdate(case.decided_at):%Y年%m月%d日}"))
    pdf.facts(rows)
    pdf.line_of(f"{'理由和依据' if not approved else '审核意见'}：{case.decision_note or '—'}")
    pdf.ln(2)
    pdf.line_of(HOW_TO_OBJECT)
    return pdf.finish(
        issuer_name(case.responsible_town),
        paper.code,
        verify_url,
        timezone.localdate(paper.issued_at),
    )


def termination_pdf(
    case: Case, end_month: dt.date, reason: str, paper: IssuedPaper, verify_url: str
) -> bytes:
    """停止救助通知书: which programme stops, from when, why, and how to object."""
    pdf = _Paper("停止救助通知书")
    pdf.facts(
        [
            ("申请编号", case.number),
            ("救助对象", case.applicant.name),
            ("救助项目", programme_of(case)),
            ("停止发放", f"自{end_month:%Y年%m月}起"),
        ]
    )
    pdf.line_of(f"理由：{reason}")
    pdf.ln(2)
    pdf.line_of(HOW_TO_OBJECT)
    return pdf.finish(
        issuer_name(case.responsible_town),
        paper.code,
        verify_url,
        timezone.localdate(paper.issued_at),
    )


def home_visit_pdf(case: Case, visit: HomeVisit, paper: IssuedPaper, verify_url: str) -> bytes:
    """入户调查记录: when the household was visited, by two staff of the town, what they
    checked and found, and whether the household signed the record."""
    pdf = _Paper("入户调查记录")
    pdf.facts(
        [
            ("申请编号", case.number),
            ("申请人", case.applicant.name),
            ("申请项目", programme_of(case)),
            ("家庭户编号", case.household.number),
            ("入户日期", f"{visit.visited_on:%Y年%m月%d日}"),
            ("调查人员", f"{case.responsible_town.name}工作人员2名"),
        ]
    )
    pdf.set_font("paper", size=14)
    pdf.cell(0, 10, "调查项目", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("paper", size=12)
    pdf.facts(
        [
            ("已核实" if visit.checklist.get(key) else "未核实", label)
            for key, label in HOME_VISIT_CHECKLIST.items()
        ]
    )
    pdf.line_of(f"调查情况：{visit.findings}")
    pdf.ln(2)
    pdf.line_of(f"被调查家庭签字确认：{'已签字' if visit.household_signed else '未签字'}")
    return pdf.finish(
        issuer_name(case.responsible_town),
        paper.code,
        verify_url,
        timezone.localdate(paper.issued_at),
    )


@dataclass
class CertificateLine:
    programme: str
    monthly_amount: str
    since: dt.date


def certificate_pdf(
    person: Person,
    household: Household,
    lines: list[CertificateLine],
    town: Region,
    paper: IssuedPaper,
    verify_url: str,
) -> bytes:
    """救助证明 for other departments: the household receives these programmes now."""
    pdf = _Paper("救助证明")
    masked = idnumber.mask(person.id_number, idnumber.Visibility.PARTIAL)
    pdf.line_of(
        f"兹证明{person.name}（身份证号{masked}）"
        f"所在家庭（户编号{household.number}）目前享受以下社会救助："
    )
    pdf.ln(2)
    pdf.facts(
        [
            (line.programme, f"每月{line.monthly_amount}元，自{line.since:%Y年%m月}起")
            for line in lines
        ]
    )
    pdf.line_of(f"特此证明。本证明所述为{timezone.localdate(paper.issued_at):%Y年%m月%d日}的情况。")
    return pdf.finish(
        issuer_name(town), paper.code, verify_url, timezone.localdate(paper.issued_at)
    )


def masked_holder(paper: IssuedPaper) -> str:
    """Whom the paper concerns, as the public check may show it."""
    return mask_name(paper.person.name)
