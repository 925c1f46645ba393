"""`jiuzhu demo --households N [--seed S] [--if-empty]`: a synthetic county to try and measure.

Loads the shipped region tree when there is none, creates the demo staff (password
`jiuzhu-demo-2026`, and the demo authenticator for the accounts that must use two factors:
see jiuzhu.demo.accounts), then generates N households
and their cases (recipients in force, applications under way: jiuzhu.demo.cases). A run on a
database that already has households appends new ones (new ids, new people, no ID-number
collisions); --if-empty makes it do nothing instead.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.management.commands.import_regions import load_shipped_regions
from jiuzhu.core.models import Region
from jiuzhu.demo.accounts import (
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    accounts_table,
    create_authenticators,
    create_staff,
)
from jiuzhu.demo.care import seed_demo as seed_care
from jiuzhu.demo.cases import generate_cases
from jiuzhu.demo.cooperation import seed_demo as seed_cooperation
from jiuzhu.demo.duplicates import seed_demo as seed_duplicates
from jiuzhu.demo.education import seed_demo as seed_education
from jiuzhu.demo.funds import seed_working_funds
from jiuzhu.demo.load import load_households
from jiuzhu.demo.medical import seed_demo as seed_medical
from jiuzhu.demo.outreach import seed_demo as seed_outreach
from jiuzhu.demo.oversight import seed_demo as seed_oversight
from jiuzhu.demo.payrolls import pay_history
from jiuzhu.demo.portal import seed_demo as seed_portal
from jiuzhu.demo.publicity import seed_offices
from jiuzhu.demo.repricing import seed_demo as seed_repricing
from jiuzhu.demo.verification import seed_demo as seed_verification
from jiuzhu.registry.models import Household


class Command(BaseCommand):
    help = "生成演示数据：行政区划、各级工作人员账号和N户模拟家庭。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=3000, help="家庭户数（默认3000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：相同种子生成相同数据")
        parser.add_argument("--if-empty", action="store_true", help="已有家庭档案时什么也不做")
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="以该日期计算年龄（YYYY-MM-DD，默认今天），便于复现同一份数据",
        )
        parser.add_argument(
            "--paid-months",
            type=int,
            default=12,
            help="发放此前若干个月的名册（默认12，0为不发放）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        """Regions if missing, staff, then the households and their cases; print the accounts."""
        households: int = options["households"]
        if households < 0:
            raise CommandError("户数不能为负数。")
        if options["if_empty"] and Household.objects.exists():
            self.stdout.write("已有家庭档案，未生成演示数据。")
            return
        if not Region.objects.exists():
            self.stdout.write(f"已导入平阴县行政区划 {load_shipped_regions()} 条。")
        self.stdout.write(f"已创建工作人员账号 {create_staff()} 个。")
        self.stdout.write(f"已为须两步验证的账号绑定演示身份验证器 {create_authenticators()} 个。")
        self.stdout.write(f"已登记政策宣传页面的经办窗口 {seed_offices()} 个。")
        if households:
            self._households_and_cases(households, options)
        self._print_accounts()

    def _households_and_cases(self, households: int, options: dict[str, Any]) -> None:
        try:
            result = load_households(
                households,
                options["seed"],
                as_of=options["as_of"],
                progress=not options["no_progress"],
            )
        except (ValueError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        rate = result.households / result.seconds if result.seconds else 0
        self.stdout.write(
            f"已生成 {result.households:,} 户、{result.persons:,} 人，"
            f"收入 {result.incomes:,} 条、财产 {result.assets:,} 条，"
            f"用时 {result.seconds:.1f} 秒（{rate:,.0f} 户/秒）。"
        )
        cases = generate_cases(options["seed"], result.first_household_id)
        self.stdout.write(
            f"已生成救助申请 {cases.cases:,} 件（在办 {cases.open_cases:,} 件，"
            f"其中超期 {cases.overdue:,} 件），救助对象 {cases.recipients:,} 个，"
            f"办理记录 {cases.events:,} 条，用时 {cases.seconds:.1f} 秒。"
        )
        if options["paid_months"] <= 0:
            return
        paid = pay_history(options["paid_months"], progress=not options["no_progress"])
        self.stdout.write(
            f"已发放近{options['paid_months']}个月的名册 {paid.payrolls:,} 册、"
            f"明细 {paid.lines:,} 笔"
            f"（新开银行账户 {paid.accounts:,} 个，回盘失败 {paid.failed:,} 笔），"
            f"本年度县级预算 {paid.budgets} 项，"
            f"用时 {paid.seconds:.1f} 秒。"
        )
        self._later_features(options["seed"])

    def _later_features(self, seed: int) -> None:
        """The records every later page needs (with the paid months: the full demo)."""
        checked = seed_verification(seed)
        self.stdout.write(
            f"已导入部门核对数据 {checked.extracts} 份，全县核对报告 {checked.reports:,} 份"
            f"（有疑点 {checked.with_findings} 户）。"
        )
        bills = seed_medical()
        self.stdout.write(f"已生成医疗救助票据 {bills} 张。")
        helped = seed_cooperation()
        self.stdout.write(
            f"已登记慈善项目 {helped.projects} 个、转介 {helped.referrals} 户、"
            f"给付 {helped.gifts} 笔，转部门办理申请 {helped.applications} 件。"
        )
        taught = seed_education()
        self.stdout.write(
            f"已为本学期在保困难家庭学生登记教育救助申请 {taught.opened} 件"
            f"（已批准 {taught.approved} 件）。"
        )
        cared = seed_care(seed)
        self.stdout.write(
            f"已登记供养（养育）机构 {cared.institutions} 家，"
            f"录入特困人员生活自理能力评估 {cared.assessed} 人，"
            f"批准困境儿童保障 {cared.children} 人。"
        )
        outreach = seed_outreach(seed)
        self.stdout.write(
            f"已生成困难线索 {outreach.leads} 条（已研判 {outreach.triaged} 条），"
            f"探访对象 {outreach.targets} 人、探访记录 {outreach.visits} 次，"
            f"低收入监测对象 {outreach.monitored} 户。"
        )
        oversight = seed_oversight(seed)
        self.stdout.write(
            f"已生成投诉举报 {oversight.complaints} 件（已答复 {oversight.replied} 件），"
            f"风险预警 {oversight.alerts} 条，失信记录 {oversight.dishonesty} 条。"
        )
        spent = seed_working_funds(seed, timezone.localdate())
        self.stdout.write(f"已生成各乡镇工作经费预算和支出 {spent} 笔。")
        duplicates = seed_duplicates()
        self.stdout.write(
            f"疑似重复人员 {duplicates.pairs} 对（外县已登记 {duplicates.flagged} 人），"
            f"工作提醒 {duplicates.alerts} 条。"
        )
        repricing = seed_repricing()
        self.stdout.write(
            f"已按最新标准重新测算在保救助对象 {repricing.recipients if repricing else 0:,} 个"
            "（待县级管理员确认）。"
        )
        applicants = seed_portal()
        self.stdout.write(f"已生成掌上办申请 {len(applicants)} 件，可用以下身份登录掌上办：")
        for line in applicants:
            self.stdout.write(f"  {line}")

    def _print_accounts(self) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for role, username, region in accounts_table():
            self.stdout.write(f"  {role:<10}\t{username:<20}\t{region}")
        self.stdout.write("  另有每个镇（街道）的 <镇拼音>_assistant、<镇拼音>_approver，")
        self.stdout.write("  每个村（社区）的协理员 <镇拼音>_<村代码后三位>，如 donge_201。")
        self.stdout.write(
            "县级角色和乡镇助理员、审核人员须两步验证：在身份验证器应用中添加密钥 "
            f"{DEMO_TOTP_KEY}，或用 jiuzhu demo_code 用户名 查看当前验证码（仅开发环境）。"
        )
