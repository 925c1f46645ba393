"""Turning occasions into alerts, texting them, the daily digest; the periodic task.

Idempotent: an alert is one row per (user, occasion key), created once; an SMS is sent once
per alert (immediate) or once per user and day (digest), marked on the alerts it covered.

Nothing sensitive goes into an SMS: its text is built from the alert kinds and counts
only (`sms_text`, `digest_text`), never from an alert's text, so no name, ID number, case
number or amount can reach the gateway.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.cases.notifications import backend
from jiuzhu.core.tasks import task
from jiuzhu.oversight.models import AlertPreference, SmsMode, StaffAlert, StaffAlertKind
from jiuzhu.oversight.staff_alerts.occasions import occasions, recipients

logger = logging.getLogger(__name__)
TASK_KIND = "oversight.staff_alerts"
SIGNATURE = "【社会救助平台】"


def sms_text(kind: str) -> str:
    return f"{SIGNATURE}您有一条工作提醒：{StaffAlertKind(kind).label}。请登录平台查看。"


def digest_text(counts: Counter[str]) -> str:
    parts = "，".join(f"{StaffAlertKind(kind).label}{n}条" for kind, n in sorted(counts.items()))
    return f"{SIGNATURE}今日工作提醒汇总：{parts}。请登录平台查看。"


def _preferences(user_ids: set[int]) -> dict[int, AlertPreference]:
    return {p.user_id: p for p in AlertPreference.objects.filter(user_id__in=user_ids)}


def _send(phone: str, text: str) -> str:
    """Text one message; the error's name when the gateway fails (the alert stays)."""
    try:
        backend().send(phone, text)
    except Exception as exc:  # the gateway's failure must not stop the others
        logger.warning("staff SMS failed: %s", type(exc).__name__)
        return type(exc).__name__[:200]
    return ""


def produce(now: dt.datetime | None = None) -> dict[str, int]:
    """New alerts for what waits now; an immediate SMS for those who chose it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    pairs = recipients(occasions(today, now))
    users = {user.pk for user, _ in pairs}
    known = set(StaffAlert.objects.filter(user_id__in=users).values_list("user_id", "key"))
    preferences = _preferences(users)
    fresh: dict[tuple[int, str], StaffAlert] = {}
    for user, occasion in pairs:
        if (user.pk, occasion.key) in known or (user.pk, occasion.key) in fresh:
            continue
        preference = preferences.get(user.pk)
        fresh[(user.pk, occasion.key)] = StaffAlert(
            user=user,
            kind=occasion.kind,
            key=occasion.key,
            text=occasion.text[:300],
            link=occasion.link,
            # Platform reminders turned off: kept for the record, already read.
            read_at=now if preference is not None and not preference.in_platform else None,
        )
    with transaction.atomic():
        created = StaffAlert.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    sent = 0
    for alert in StaffAlert.objects.filter(
        user_id__in=[p.user_id for p in preferences.values() if p.sms == SmsMode.EACH and p.phone],
        sms_sent_at__isnull=True,
        digest_on__isnull=True,
        key__in=[key for _, key in fresh],
    ):
        error = _send(preferences[alert.user_id].phone, sms_text(alert.kind))
        StaffAlert.objects.filter(pk=alert.pk).update(sms_sent_at=now, sms_error=error)
        sent += not error
    return {"alerts": len(created), "sms": sent}


def send_digests(now: dt.datetime | None = None) -> int:
    """One SMS per user who chose the daily digest, summing the day's alerts not yet in a
    digest; none when nothing is new (run it twice, nothing is sent twice)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for preference in AlertPreference.objects.filter(sms=SmsMode.DIGEST).exclude(phone=""):
        pending = StaffAlert.objects.filter(
            user_id=preference.user_id, digest_on__isnull=True, sms_sent_at__isnull=True
        )
        counts = Counter(pending.values_list("kind", flat=True))
        if not counts:
            continue
        error = _send(preference.phone, digest_text(counts))
        pending.update(digest_on=today, sms_sent_at=now, sms_error=error)
        sent += not error
    return sent


@task(TASK_KIND)
def alerts_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    done: dict[str, Any] = produce()
    report(80)
    if params.get("digest"):
        done["digests"] = send_digests()
    return done
