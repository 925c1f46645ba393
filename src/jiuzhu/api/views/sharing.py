"""/api/sharing/…: what departments read with the partner scope a county administrator
granted their token (core/tokens.py), within the token owner's area.

Every feed pages with a cursor on (changed, id) — stable while rows change: a row changed
during the paging moves behind the cursor and comes again at the end — and syncs
incrementally: ``since`` keeps the rows changed after a moment (the ``last_modified`` of
the previous sync), and ``If-Modified-Since`` answers 304 when nothing in the feed changed
since then (whole seconds, as HTTP dates are; ``since`` is exact). Each row read is
recorded in the access log with its household. Only tokens are accepted: a session (or a
token without the scope) reads nothing.
"""

import base64
import binascii
import datetime as dt
import math
import re
from typing import Any, ClassVar

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from jiuzhu.api import serializers as s
from jiuzhu.api import sharing
from jiuzhu.api import sharing_serializers as ss
from jiuzhu.api.views.base import ERRORS, PAGING, Pagination, RegistryView, operation, staff
from jiuzhu.core.models import AccessLog, TokenScope, User
from jiuzhu.core.programmes import Programme
from jiuzhu.core.services import log_accesses
from jiuzhu.core.tokens import ApiTokenAuthentication, HasTokenScope

TAG = "部门数据共享"
_MONTH = re.compile(r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")
_MOMENT = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
BAD_SINCE = "应为带时区的时间，如 2026-12-01T08:00:00+08:00（上次同步的 last_modified）。"
BAD_CURSOR = "游标无效，请使用上一页返回的 next_cursor。"


def _one(request: Request, name: str) -> str | None:
    """A query parameter given at most once (a repeat is refused, never half used)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["只能给一次。"]})
    return values[0] if values else None


def parse_since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        if not _MOMENT.match(text):
            raise ValueError(text)
        # In UTC at once: a far offset near year 1 overflows here, not in the query.
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError({"since": [BAD_SINCE]}) from None


def encode_cursor(changed: dt.datetime, pk: int) -> str:
    text = f"{changed.astimezone(dt.UTC).isoformat()}|{pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    if text is None:
        return None
    try:
        if not _CURSOR.match(text):
            raise ValueError(text)
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, pk = raw.split("|")
        changed, number = dt.datetime.fromisoformat(moment), int(pk)
        if changed.tzinfo is None or not 0 < number < 2**63:
            raise ValueError(moment)
        return changed.astimezone(dt.UTC), number
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None


def whole_second_after(moment: dt.datetime) -> dt.datetime:
    """The HTTP date of a moment: rounded up, so the moment itself is not "modified since"."""
    return dt.datetime.fromtimestamp(math.ceil(moment.timestamp()), tz=dt.UTC)


class SharingView(RegistryView):
    # Base of every feed: a token with the view's scope; the rows, their format and the
    # access log's name for them come from the subclass.

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, HasTokenScope]
    token_scope: ClassVar[TokenScope]
    serializer: ClassVar[type[Serializer[Any]]]
    logged_as: ClassVar[str]
    # The query parameters the feed reads; any other is refused (a misspelt filter would
    # otherwise silently widen what is read).
    parameters: ClassVar[tuple[str, ...]] = ("limit", "cursor", "since")

    def rows(self, user: User) -> QuerySet[Any]:
        raise NotImplementedError

    def context(self, page: list[Any]) -> dict[str, Any]:
        return {}

    def get(self, request: Request) -> Response:
        user = staff(request)
        unknown = sorted(set(request.query_params) - set(self.parameters))
        if unknown:
            raise ValidationError({name: ["未知的查询参数。"] for name in unknown})
        limit = Pagination().get_limit(request)
        since = parse_since(_one(request, "since"))
        cursor = decode_cursor(_one(request, "cursor"))
        rows = self.rows(user)
        if since is not None:
            rows = rows.filter(changed__gt=since)
        last = rows.aggregate(last=Max("changed"))["last"]
        headers = {"Last-Modified": http_date(whole_second_after(last).timestamp())} if last else {}
        asked = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if last is not None and asked is not None and last.timestamp() <= asked:
            return Response(status=304, headers=headers)
        if cursor is not None:
            changed, pk = cursor
            rows = rows.filter(Q(changed__gt=changed) | Q(changed=changed, pk__gt=pk))
        page = list(rows.order_by("changed", "pk")[: limit + 1])
        more, page = len(page) > limit, page[:limit]
        log_accesses(
            user,
            AccessLog.Channel.API,
            self.logged_as,
            [(row.pk, row.household_id) for row in page],
            request._request,
        )
        body = {
            "results": self.serializer(page, many=True, context=self.context(page)).data,
            "next_cursor": encode_cursor(page[-1].changed, page[-1].pk) if more else None,
            "last_modified": timezone.localtime(last).isoformat() if last else None,
        }
        return Response(body, headers=headers)


class MonthlyView(SharingView):
    # A feed of one month, optionally one programme: ?month=YYYY-MM&programme=.

    parameters = (*SharingView.parameters, "month", "programme")

    def month_and_programme(self) -> tuple[dt.date, str]:
        month = _one(self.request, "month")
        if month is None or not _MONTH.match(month):
            raise ValidationError({"month": ["请给出月份，格式 YYYY-MM，例如 2026-12。"]})
        programme = _one(self.request, "programme")
        if programme is not None and programme not in Programme.values:
            raise ValidationError({"programme": [f"“{programme}” 不是有效的救助项目。"]})
        return dt.date(int(month[:4]), int(month[5:]), 1), programme or ""


# --- OpenAPI ----------------------------------------------------------------------------

SYNC = [
    PAGING[0],
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": _CURSOR.pattern},
        description="上一页返回的 next_cursor",
    ),
    OpenApiParameter(
        "since",
        {"type": "string", "pattern": _MOMENT.pattern},
        description="只返回此时间之后变动的记录（上次同步的 last_modified），带时区",
    ),
]
# If-Modified-Since is described in words, not as a header parameter: a declared header
# makes generated clients (and schemathesis) treat the token header as optional.
SYNC_TEXT = (
    "按 next_cursor 翻页；增量同步时以上次的 last_modified 作 since。也可带请求头 "
    "If-Modified-Since（HTTP 日期，精确到秒）：此后没有变动时答复304，无正文。"
)
MONTHLY = [
    OpenApiParameter(
        "month",
        {"type": "string", "pattern": _MONTH.pattern},
        required=True,
        description="月份 YYYY-MM",
    ),
    OpenApiParameter("programme", str, enum=Programme.values, description="只看一个救助项目"),
]
NOT_MODIFIED = OpenApiResponse(description="自 If-Modified-Since 以来没有变动")
NO_SCOPE = OpenApiResponse(s.ErrorSerializer, description="令牌不含此共享权限范围")


def feed(operation_id: str, summary: str, description: str, row: type[Any], monthly: bool) -> Any:
    """The OpenAPI description of a feed view's GET."""
    page = ss.page_serializer(f"{row.__name__.removesuffix('Serializer')}Page", row)
    get = operation(
        operation_id,
        TAG,
        summary,
        {200: page, 304: NOT_MODIFIED, 400: ERRORS[400], 401: ERRORS[401], 403: NO_SCOPE},
        description=f"{description}{SYNC_TEXT}",
        parameters=[*(MONTHLY if monthly else []), *SYNC],
    )
    return extend_schema_view(get=get)


# --- the feeds ---------------------------------------------------------------------------


@feed(
    "sharing_recipients",
    "救助对象及类别（医保参保资助）",
    "某月享受救助的对象：救助项目、状态、起止月份及覆盖人员的身份证号和姓名。"
    "权限范围 sharing.recipients。",
    ss.SharedRecipientSerializer,
    monthly=True,
)
class SharedRecipientsView(MonthlyView):
    token_scope = TokenScope.SHARED_RECIPIENTS
    serializer = ss.SharedRecipientSerializer
    logged_as = "shared_recipient"

    def rows(self, user: User) -> QuerySet[Any]:
        return sharing.recipients(user, *self.month_and_programme())

    def context(self, page: list[Any]) -> dict[str, Any]:
        return {"people": sharing.covered_persons(page)}


@feed(
    "sharing_children",
    "救助家庭的未成年人（教育资助）",
    f"某月享受救助的家庭（或个人）中，该月1日未满{sharing.CHILD_AGE}周岁的成员："
    "身份证号、姓名、出生日期及救助项目。权限范围 sharing.children。",
    ss.SharedChildrenSerializer,
    monthly=True,
)
class SharedChildrenView(MonthlyView):
    token_scope = TokenScope.SHARED_CHILDREN
    serializer = ss.SharedChildrenSerializer
    logged_as = "shared_children"

    def rows(self, user: User) -> QuerySet[Any]:
        return sharing.recipients_with_children(user, *self.month_and_programme())

    def context(self, page: list[Any]) -> dict[str, Any]:
        return {"people": sharing.children_of(page, self.month_and_programme()[0])}


@feed(
    "sharing_cases",
    "救助申请及办理环节",
    "申请的项目、状态、期限、金额及每一办理环节（不含申请人身份信息）。权限范围 sharing.cases。",
    ss.SharedCaseSerializer,
    monthly=False,
)
class SharedCasesView(SharingView):
    token_scope = TokenScope.SHARED_CASES
    serializer = ss.SharedCaseSerializer
    logged_as = "shared_case"

    def rows(self, user: User) -> QuerySet[Any]:
        return sharing.cases(user)


@feed(
    "sharing_payments",
    "发放明细",
    "某发放月份已审批锁定名册的明细：所属月份、项目、金额及银行回盘结果"
    "（不含收款人身份和账户）。回盘导入后该明细的变动时间更新。权限范围 sharing.payments。",
    ss.SharedPaymentSerializer,
    monthly=True,
)
class SharedPaymentsView(MonthlyView):
    token_scope = TokenScope.SHARED_PAYMENTS
    serializer = ss.SharedPaymentSerializer
    logged_as = "shared_payment"

    def rows(self, user: User) -> QuerySet[Any]:
        return sharing.payment_lines(user, *self.month_and_programme())


@feed(
    "sharing_verification_reports",
    "经济状况核对报告",
    "已完成核对任务的各户结论、理由及核实与申报的数字（不含成员身份）。"
    "权限范围 sharing.verification。",
    ss.SharedReportSerializer,
    monthly=False,
)
class SharedReportsView(SharingView):
    token_scope = TokenScope.SHARED_VERIFICATION
    serializer = ss.SharedReportSerializer
    logged_as = "shared_report"

    def rows(self, user: User) -> QuerySet[Any]:
        return sharing.verification_reports(user)
