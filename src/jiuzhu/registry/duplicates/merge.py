"""Deciding a pair: merge the two person records, or say they are two people; and the flag
for a person the provincial list shows registered in another county.

Merging folds `merged` into `kept`. The merged person's current membership ends (reason
recorded); then every row anywhere that points at the merged person — memberships, incomes,
assets, and other apps' cases, payments, visits … — is re-pointed to the kept one, so both
histories continue under one record. The hook: other apps are not imported (they sit above
the registry); their foreign keys to `Person` are found through Django's model registry and
updated in the same transaction. An app whose rows cannot simply follow connects to the
`person_merged` signal (sent first, inside the transaction) and settles them itself; a
unique rule that still breaks (two valid bank accounts, two open cases of one programme)
refuses the merge as a whole, with a Chinese message, and nothing is written.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import ForeignObjectRel
from django.dispatch import Signal
from django.utils import timezone

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import (
    DuplicatePair,
    DuplicateStatus,
    Membership,
    Person,
    PersonMerge,
    RegisteredElsewhere,
    Relation,
)

# Sent inside the merge's transaction, before the generic re-pointing: kept, merged, actor.
person_merged = Signal()

MERGE = "merge_persons"
DISMISS = "dismiss_duplicate"
MERGE_REASON = "与重复登记的人员档案合并"
# Rows that describe the pair itself stay as they are.
_NOT_MOVED = {DuplicatePair, PersonMerge}


def require_county(actor: User, capability: Capability) -> None:
    """The duplicate list is the county's: county staff whose role has `capability`."""
    require(actor, capability)
    if actor.region is None or actor.region.level != RegionLevel.COUNTY:
        raise PermissionError("疑似重复人员由县级工作人员核实处理。")


def _open_pair(actor: User, pair_id: int) -> DuplicatePair:
    pair = DuplicatePair.objects.select_for_update().filter(pk=pair_id).first()
    if pair is None:
        raise DomainError("该疑似重复记录不存在。")
    require_area(actor, pair.region_code)
    if pair.status != DuplicateStatus.OPEN:
        raise DomainError(f"该记录已处理（{pair.get_status_display()}）。")
    return pair


def _repoint(kept: Person, merged: Person) -> dict[str, int]:
    """Every foreign key to the merged person now names the kept one; rows moved per table."""
    moved: dict[str, int] = {}
    # Hidden relations too: most apps name theirs "+" (no reverse accessor on Person).
    for relation in Person._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel):
            continue
        model = relation.related_model
        if model in _NOT_MOVED or not (relation.one_to_many or relation.one_to_one):
            continue
        field = relation.field.name
        count = model._base_manager.filter(**{field: merged}).update(**{field: kept})
        if count:
            moved[model._meta.label_lower] = moved.get(model._meta.label_lower, 0) + count
    return moved


def merge_persons(
    actor: User, pair_id: int, kept_id: int, reason: str, on: dt.date | None = None
) -> PersonMerge:
    """Fold one person of an open pair into the other (the one kept is `kept_id`)."""
    require_county(actor, Capability.EDIT_HOUSEHOLDS)
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写合并理由（核实的依据）。", field="reason")
    try:
        with transaction.atomic():
            pair = _open_pair(actor, pair_id)
            if kept_id not in (pair.first_id, pair.second_id):
                raise DomainError("保留的人员应为这两人之一。", field="kept")
            merged_id = pair.second_id if kept_id == pair.first_id else pair.first_id
            kept, merged = Person.objects.get(pk=kept_id), Person.objects.get(pk=merged_id)
            current = Membership.objects.filter(person=merged, end_date__isnull=True).first()
            if current is not None:
                others = current.household.memberships.filter(end_date__isnull=True)
                if current.relation == Relation.HEAD and others.exclude(pk=current.pk).exists():
                    raise DomainError(
                        f"被合并的人员是户 {current.household.number} 的户主，"
                        "请先为该户指定新的户主，或选择保留此人。"
                    )
                current.end_date = on or timezone.localdate()
                current.end_reason = MERGE_REASON
                current.save(update_fields=["end_date", "end_reason"])
            # A county the kept person is already flagged for needs no second flag.
            RegisteredElsewhere.objects.filter(
                person=merged,
                county_code__in=RegisteredElsewhere.objects.filter(person=kept).values(
                    "county_code"
                ),
            ).delete()
            person_merged.send(sender=Person, kept=kept, merged=merged, actor=actor)
            moved = _repoint(kept, merged)
            record = PersonMerge.objects.create(
                kept=kept, merged=merged, pair=pair, moved=moved, merged_by=actor, reason=reason
            )
            pair.status = DuplicateStatus.MERGED
            pair.decided_by, pair.decided_at, pair.note = actor, timezone.now(), reason[:200]
            pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
            # Other open pairs of the merged person are moot: it has no household now.
            DuplicatePair.objects.filter(status=DuplicateStatus.OPEN).filter(first=merged).delete()
            DuplicatePair.objects.filter(status=DuplicateStatus.OPEN, second=merged).delete()
            record_audit(
                actor,
                MERGE,
                kept,
                {
                    "merged_person": merged.pk,
                    "kept_id_number": idnumber.mask(kept.id_number, idnumber.Visibility.PARTIAL),
                    "merged_id_number": idnumber.mask(
                        merged.id_number, idnumber.Visibility.PARTIAL
                    ),
                    "moved": moved,
                    "reason": reason,
                },
            )
    except IntegrityError:
        raise DomainError(
            "无法合并：两人在其他业务中有不能同时保留的记录（如都有有效的收款账户，或同一"
            "救助项目都在享受），请先在相应业务中处理其中一条后再合并。"
        ) from None
    return record


def dismiss_pair(actor: User, pair_id: int, note: str) -> DuplicatePair:
    """The two are different people: the pair leaves the list and does not come back."""
    require_county(actor, Capability.EDIT_HOUSEHOLDS)
    note = note.strip()
    if not note:
        raise DomainError("请填写核实情况（为何不是同一人）。", field="note")
    with transaction.atomic():
        pair = _open_pair(actor, pair_id)
        pair.status = DuplicateStatus.DISMISSED
        pair.decided_by, pair.decided_at, pair.note = actor, timezone.now(), note[:200]
        pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
        record_audit(actor, DISMISS, pair, {"note": note})
    return pair


def flag_registered_elsewhere(rows: Iterable[tuple[int, str, dt.date]]) -> int:
    """(person id, other county's code, list month) from the provincial list's import: the
    persons it shows registered in another county (api/exchange.py calls this)."""
    created = RegisteredElsewhere.objects.bulk_create(
        [RegisteredElsewhere(person_id=p, county_code=c, month=m) for p, c, m in rows],
        ignore_conflicts=True,
    )
    return len(created)
