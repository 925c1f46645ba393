"""A re-pricing for the demo county: the newest dibao standard over the current recipients,
computed and waiting for the county administrator's confirmation (标准调整重新核定)."""

from django.utils import timezone

from jiuzhu.cases.models import Repricing
from jiuzhu.cases.repricing import compute_repricing
from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.policy.models import Parameter


def seed_demo() -> Repricing | None:
    """The run of the newest standard in force (None when the county has none)."""
    newest = (
        Parameter.objects.filter(
            key="dibao.standard.rural", effective_from__lte=timezone.localdate()
        )
        .order_by("-effective_from")
        .first()
    )
    if newest is None:
        return None
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk").first()
    return compute_repricing(newest.effective_from, admin)
