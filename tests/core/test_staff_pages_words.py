"""Every staff page, as each role, holds no developer words.

Starting at the home page, the crawl follows every same-site link (bounded, downloads and
exports left out, a few pages per URL pattern) over a small county with rows on every
page, and reads each page's visible text for tell-tale patterns: a test user's login, a
raw status/role/programme/capability code, "#123"-style keys, policy parameter keys,
English words, ISO timestamps, dates not in the page format and amounts without
thousands separators. Results behind forms are read the same way.
"""

import datetime as dt
import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import Resolver404, resolve

import jiuzhu
from jiuzhu.cases import services as case_services
from jiuzhu.cooperation import services as cooperation
from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability, Role
from jiuzhu.core.templatetags.jiuzhu import AUDIT_ACTIONS
from jiuzhu.funds import services as funds
from jiuzhu.funds import working
from jiuzhu.oversight.staff_alerts.delivery import produce as produce_alerts
from jiuzhu.payments import files
from jiuzhu.payments import services as pay
from jiuzhu.policy import services as policy
from jiuzhu.policy.models import Parameter
from jiuzhu.publicity import services as publicity
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.duplicates.job import scan_registry
from jiuzhu.registry.models import Relation
from jiuzhu.verification import jobs
from tests import factories
from tests.cases.conftest import investigate, set_today, submit
from tests.conftest import client_for
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient
from tests.verification.conftest import import_rows

pytestmark = pytest.mark.django_db

# Not pages a person reads: downloads, exports, actions, the API, the public board.
NOT_A_PAGE = re.compile(
    r"^/(api|portal|notice|logout)/|\.(xlsx|csv|pdf)$|/export|format=|/files/\d+/$"
    r"|/documents/\d+/$"
)
PER_PATTERN = 6  # case pages at several statuses, a few households
PER_ROLE = 250

# Staff management lists logins on purpose: the administrator hands them out.
LOGINS_SHOWN = {"core:staff", "core:staff_create", "core:staff_edit"}
# File formats people choose by their extension ("Excel（xlsx）").
FILE_TYPES = {"csv", "xlsx"}

ENGLISH = [
    "None",
    "True",
    "False",
    "pending",
    "submitted",
    "This field is required",
    "Enter a valid",
    "Select a valid choice",
    "Ensure this value",
    "object at 0x",
    "Decimal(",
    "QuerySet",
]

# Pages each role must reach, so that the crawl cannot pass by seeing nothing.
_READERS = {"home", "cases:list", "cases:detail", "registry:search", "registry:detail"}
_MONEY = {
    "payments:list",
    "payments:detail",
    "payments:lines",
    "payments:claims",
    "funds:execution",
}
_CHECKS = {"verification:jobs", "verification:job", "verification:report"}
# The 掌上办 account takes in phone applications and never signs in.
SIGNING_IN_ROLES = [role for role in Role if role != Role.ONLINE_SERVICE]

EXPECTED = {
    Role.COUNTY_ADMIN: _READERS
    | _MONEY
    | _CHECKS
    | {"core:access_log", "core:regions", "policy:standards", "verification:extracts"},
    Role.COUNTY_SUPERVISOR: _READERS | _MONEY | _CHECKS | {"cases:spot_checks"},
    Role.TOWN_ASSISTANT: _READERS
    | _MONEY
    | _CHECKS
    | {"cases:new", "payments:accounts", "cooperation:charity", "cooperation:referral"},
    Role.TOWN_APPROVER: _READERS | _MONEY | _CHECKS,
    Role.VILLAGE_COORDINATOR: _READERS | {"cases:new"},
    Role.DEPARTMENT_OFFICER: {"home", "verification:extracts", "verification:extract"},
    Role.SOCIAL_WORKER: _READERS,
    Role.AUDITOR: _READERS | _MONEY | _CHECKS | {"core:access_log"},
    Role.GRID_WORKER: {"home", "outreach:leads", "outreach:lead_new"},
    Role.VOLUNTEER: {"home", "outreach:leads", "outreach:lead_new"},
    Role.DEPARTMENT_HANDLER: {"home", "cooperation:applications", "cooperation:application"},
}
for _role in EXPECTED:  # staff alerts: every member of staff's inbox and settings
    EXPECTED[_role] |= {"oversight:inbox", "oversight:alert_preferences"}
for _role in (Role.COUNTY_ADMIN, Role.COUNTY_SUPERVISOR, Role.AUDITOR):  # the county's list
    EXPECTED[_role] |= {"registry:duplicates", "registry:duplicate"}

NAMES = {
    Role.COUNTY_ADMIN: ("赵", "县管"),
    Role.COUNTY_SUPERVISOR: ("钱", "监管"),
    Role.TOWN_ASSISTANT: ("孙", "助理"),
    Role.TOWN_APPROVER: ("李", "审核"),
    Role.VILLAGE_COORDINATOR: ("周", "协理"),
    Role.DEPARTMENT_OFFICER: ("吴", "数据"),
    Role.SOCIAL_WORKER: ("郑", "社工"),
    Role.AUDITOR: ("王", "审计"),
    Role.GRID_WORKER: ("冯", "网格"),
    Role.VOLUNTEER: ("陈", "志愿"),
    Role.DEPARTMENT_HANDLER: ("褚", "协同"),
}


class VisibleText(HTMLParser):
    """The text a person sees (no scripts or styles) and the links on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("placeholder"):
            self.text.append(values["placeholder"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def all_choices(base=models.TextChoices):
    for cls in base.__subclasses__():
        yield cls
        yield from all_choices(cls)


def tell_tales() -> list[tuple[str, re.Pattern[str]]]:
    codes = sorted(
        {
            str(value)
            for cls in all_choices()
            for value in cls.values
            if re.fullmatch(r"[a-z][a-z_]{2,}", str(value))
        }
        - FILE_TYPES
    )
    keys = sorted(set(Parameter.objects.values_list("key", flat=True)))
    logins = sorted(User.objects.values_list("username", flat=True))

    def words(items):
        return re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(map(re.escape, items)) + r")(?![\w.])")

    return [
        ("login", words(logins)),
        ("code", words(codes)),
        ("parameter key", re.compile("|".join(map(re.escape, keys)))),
        ("English", re.compile("|".join(map(re.escape, ENGLISH)))),
        ("identifier", re.compile(r"\b[a-z]+_[a-z_]+\b")),
        ("key", re.compile(r"#\d+")),
        ("ISO time", re.compile(r"\d{4}-\d{2}-\d{2}T\d")),
        # Citations keep their own dates ("（2019-04-01起）"), file names theirs.
        ("date not in the page format", re.compile(r"\b\d{4}-\d{2}-\d{2}\b(?!起|\S*\.csv)")),
        ("money without separators", re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")),
    ]


def crawl(user: User, patterns, seeds=()) -> tuple[list[str], set[str]]:
    """Visit the user's pages from the home page: one line per page and offending text,
    and the URL patterns visited."""
    client = client_for(user)
    logins = dict(patterns)["login"]
    queue = deque(["/", *seeds])
    seen: set[str] = set()
    per_pattern: Counter[str] = Counter()
    problems = []
    while queue and len(seen) < PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            problems.append(f"{user.get_role_display()} {url}: link to no page")
            seen.add(url)
            continue
        pattern = match.view_name
        if per_pattern[pattern] >= PER_PATTERN:
            continue
        per_pattern[pattern] += 1
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            problems.append(f"{user.get_role_display()} {url}: HTTP {response.status_code}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        page = VisibleText()
        page.feed(response.content.decode())
        if pattern in LOGINS_SHOWN:
            page.text = [logins.sub("", line) for line in page.text]
        text = "\n".join(page.text)
        for what, pattern_re in patterns:
            for found in sorted({m.group(0) for m in pattern_re.finditer(text)}):
                line = next(line for line in page.text if found in line)
                problems.append(f"{user.get_role_display()} {url}: {what} {found!r} in {line!r}")
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not NOT_A_PAGE.search(local) and local not in seen:
                queue.append(local)
    return problems, set(per_pattern)


@pytest.fixture
def county(dong_e, meigui, dong_e_village, meigui_village, monkeypatch, tmp_path, settings):
    """Staff of every role with names, and rows on every page: cases at several statuses,
    payrolls (approved with a bank file, and prepared), a recovery claim, a verification
    job with findings, a standard change, a budget."""
    settings.JIUZHU_VERIFICATION_SPAWN = False
    county_region = factories.county()
    staff = {}
    for role, (last, first) in NAMES.items():
        region = {
            Role.COUNTY_ADMIN: county_region,
            Role.COUNTY_SUPERVISOR: county_region,
            Role.DEPARTMENT_OFFICER: county_region,
            Role.DEPARTMENT_HANDLER: county_region,
            Role.AUDITOR: county_region,
            Role.VILLAGE_COORDINATOR: dong_e_village,
        }.get(role, dong_e)
        staff[role] = factories.user(
            role,
            region,
            username=f"crawl_{role}",
            last_name=last,
            first_name=first,
            department={
                Role.DEPARTMENT_OFFICER: "人社局",
                Role.DEPARTMENT_HANDLER: "县人力资源和社会保障局",
            }.get(role, ""),
        )
    admin = staff[Role.COUNTY_ADMIN]
    workflow = {
        "assistant": staff[Role.TOWN_ASSISTANT],
        "approver": staff[Role.TOWN_APPROVER],
        "coordinator": staff[Role.VILLAGE_COORDINATOR],
        "admin": admin,
    }

    def poor(name):
        return factories.household_with_incomes(
            admin,
            dong_e_village,
            [
                factories.born(Relation.HEAD, name, dong_e_village, dt.date(1950, 3, 1)),
                factories.born(Relation.SPOUSE, name + "妻", dong_e_village, dt.date(1952, 1, 9)),
            ],
            (("pension", "200"),),
        )

    # Department data and a finished verification job with findings.
    officer = staff[Role.DEPARTMENT_OFFICER]
    checked = poor("钱老汉")
    head = factories.head_of(checked)
    import_rows(
        officer,
        tmp_path,
        "vehicles",
        [{"id_number": head.id_number, "name": head.name, "plate": "鲁A1", "vehicle_type": "汽车"}],
        extract_date=dt.date(2026, 11, 30),
    )
    # Cases at several statuses.
    submit(workflow["assistant"], poor("刘老汉"))
    investigating = submit(workflow["assistant"], checked)
    case_services.accept(workflow["assistant"], investigating, investigating.version)
    case_services.start_investigation(workflow["assistant"], investigating, investigating.version)
    job = case_services.request_verification(
        workflow["assistant"], investigating, investigating.version
    )
    jobs.run_job(job.pk)
    deciding = submit(workflow["assistant"], poor("陈老汉"))
    investigate(deciding, workflow["assistant"], workflow["coordinator"])
    noticed = submit(workflow["assistant"], poor("杨老汉"))
    investigate(noticed, workflow["assistant"], workflow["coordinator"])
    case_services.approve(workflow["approver"], noticed, noticed.version)

    # Payrolls: last month approved with its bank file, this month prepared.
    for name, amount in (("甲老汉", "1234.50"), ("乙老汉", "800.00")):
        household = make_household(admin, dong_e_village, name)
        make_recipient(admin, household, amount, start=dt.date(2026, 1, 1))
        give_account(workflow["assistant"], household)
    unpaid = make_household(admin, dong_e_village, "丙老汉")
    make_recipient(admin, unpaid, "500.00")
    pay.set_account(
        workflow["assistant"],
        unpaid,
        factories.head_of(unpaid),
        "农商银行",
        "6221000099990001",
        factories.head_of(unpaid).name,
    )
    last = pay.prepare_payroll(workflow["assistant"], dt.date(2026, 11, 1), dong_e)
    pay.check_payroll(workflow["approver"], last)
    pay.approve_payroll(workflow["approver"], last)
    files.make_payment_file(workflow["assistant"], last, "农商银行", "xlsx")
    pay.prepare_payroll(workflow["assistant"], MONTH, dong_e)
    pay.create_claim(
        workflow["assistant"],
        unpaid,
        "dibao",
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 1),
        150_000,
        10_000,
        "死亡未报",
    )
    funds.set_budget(admin, 2026, "dibao", dong_e, 12_000_000, "年初预算")
    # Working funds with a spending entry, a town office, an imported poverty list.
    working.set_working_budget(admin, 2026, dong_e, "training", 50_000, "年度培训")
    voucher = SimpleUploadedFile("发票.pdf", b"%PDF-1.4\n")
    working.record_spending(admin, dong_e, "training", dt.date(2026, 6, 1), 12_345, "培训", voucher)
    publicity.save_office(admin, dong_e, "东阿镇便民服务中心", "东阿镇政府大院", "0531-87451234")
    listed = {"id_number": head.id_number, "name": head.name, "category": "防止返贫监测对象"}
    import_rows(officer, tmp_path, "poverty", [listed], extract_date=dt.date(2026, 11, 30))
    policy.set_parameter(
        admin,
        "consumption.per_capita.rural",
        dt.date(2027, 1, 1),
        "20000",
        "平政发〔2026〕1号",
        "年度调整",
    )
    # Today moves past the notice so the in-force case's page shows its recipient.
    in_force = submit(workflow["assistant"], poor("黄老汉"))
    investigate(in_force, workflow["assistant"], workflow["coordinator"])
    case_services.approve(workflow["approver"], in_force, in_force.version)
    set_today(monkeypatch, in_force.notice_ends_on + dt.timedelta(days=1))
    case_services.close_notice(workflow["assistant"], in_force, in_force.version)
    poor("刘老汉")  # registered twice: the duplicate list has pairs
    # Charity: a project, a referral with a gift; an application sent to a department.
    project = cooperation.register_project(
        workflow["assistant"], "县慈善总会", "助医", "10000", "重病", "张三 0531-1"
    )
    helped = poor("褚老汉")
    referral = cooperation.refer(workflow["assistant"], project, helped, "医疗费用负担重")
    cooperation.record_gift(workflow["assistant"], referral, "money", "500", dt.date(2026, 11, 2))
    cooperation.dispatch(
        workflow["assistant"],
        factories.head_of(helped),
        helped,
        "human_resources",
        "就业援助",
        "申请公益性岗位",
    )
    scan_registry()
    produce_alerts()
    return staff


@pytest.mark.parametrize("role", SIGNING_IN_ROLES)
def test_no_developer_words_on_any_staff_page(county, role):
    user = county[role]
    seeds = ["/households/?q=老汉"] if user.can(Capability.VIEW_HOUSEHOLDS) else []
    problems, visited = crawl(user, tell_tales(), seeds)
    assert EXPECTED[role] <= visited, f"not reached: {sorted(EXPECTED[role] - visited)}"
    assert not problems, "Pages with developer words:\n" + "\n".join(problems)


def words_on(content: bytes, patterns) -> list[str]:
    page = VisibleText()
    page.feed(content.decode())
    text = "\n".join(page.text)
    return sorted({f"{what} {m.group(0)!r}" for what, p in patterns for m in p.finditer(text)})


def test_no_developer_words_in_results_behind_forms(county):
    """Pages a link does not reach: the calculator's result, the budget simulation's, a
    refused form."""
    client = client_for(county[Role.COUNTY_ADMIN])
    patterns = tell_tales()
    calculated = client.post(
        "/policy/calculator/",
        {
            "month": "2026-12",
            "area_type": "rural",
            "m0_name": "王老汉",
            "m0_age": "76",
            "m0_disability_category": "physical",
            "m0_disability_grade": "1",
            "m1_age": "73",
            "i0_category": "wages",
            "i0_amount": "1200",
            "temporary_kind": "expenditure",
            "temporary_expense": "30000",
        },
    )
    assert "收入条件" in calculated.content.decode()
    assert words_on(calculated.content, patterns) == []
    simulated = client.post(
        "/policy/simulation/", {"area": "rural", "value": "600", "month": "2026-12"}, follow=True
    )
    assert "结果：" in simulated.content.decode()
    assert words_on(simulated.content, patterns) == []
    refused = client.post("/policy/standards/", {"key": "dibao.standard.rural", "value": "x"})
    assert refused.status_code == 400
    assert words_on(refused.content, patterns) == []


def test_every_audit_action_has_a_name_on_pages():
    """The household's history names each action; a new audit action needs its words."""
    source = Path(jiuzhu.__file__).parent
    recorded = {
        match
        for path in source.rglob("*.py")
        for match in re.findall(r'record_audit\(\s*\w+,\s*"([a-z_]+)"', path.read_text())
    }
    recorded |= {str(action) for action in registry_services.Action}
    assert len(recorded) > 30
    assert sorted(recorded - set(AUDIT_ACTIONS)) == []
