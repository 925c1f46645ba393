"""Telling applicants each step: a message list they can see, and SMS through a gateway.

The gateway is an interface; JIUZHU_SMS_BACKEND names the class. The default records
messages (development and tests); production plugs in the county's SMS platform.
"""

import logging
from collections import deque
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from jiuzhu.cases.models import Case, Notification
from jiuzhu.registry.models import Membership

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send one message; raise on failure."""


class RecordingSmsBackend:
    """Keeps the latest messages in memory (the Notification table keeps them for good).
    In development (DEBUG) it also logs them, the number masked, so that whoever tries the
    applicant's sign-in reads the code there; a production log never holds them."""

    outbox: deque[tuple[str, str]] = deque(maxlen=1000)

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
        if settings.DEBUG:
            masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
            logger.info("SMS (not sent, no gateway) to %s: %s", masked, text)


def backend() -> SmsBackend:
    path = getattr(settings, "JIUZHU_SMS_BACKEND", "jiuzhu.cases.notifications.RecordingSmsBackend")
    backend_class: type[SmsBackend] = import_string(path)
    return backend_class()


def _phone(case: Case) -> str:
    if case.applicant.phone:
        return case.applicant.phone
    head = (
        Membership.objects.filter(household=case.household, end_date__isnull=True, relation="head")
        .select_related("person")
        .first()
    )
    return head.person.phone if head else ""


def notify(case: Case, text: str) -> Notification:
    """Record a notification to the household (and text its phone when it has one)."""
    phone = _phone(case)
    notification = Notification.objects.create(
        household=case.household, case=case, phone=phone, text=text[:500]
    )
    if phone:
        # Sent only once the act is committed: a rolled-back decision tells nobody.
        transaction.on_commit(lambda: _send(notification.pk, phone, text))
    return notification


def _send(notification_id: int, phone: str, text: str) -> None:
    try:
        backend().send(phone, text)
    except Exception as exc:  # the gateway's failure must not undo the decision
        logger.warning("SMS %s failed: %s", notification_id, type(exc).__name__)
        Notification.objects.filter(pk=notification_id).update(error=type(exc).__name__[:200])
    else:
        Notification.objects.filter(pk=notification_id).update(sent=True)
