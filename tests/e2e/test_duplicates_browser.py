"""A county administrator compares two records of one person and merges them."""

import datetime as dt

import pytest

from jiuzhu.core.idnumber import make
from jiuzhu.core.models import AuditEntry
from jiuzhu.registry.duplicates.job import scan_registry
from jiuzhu.registry.models import Membership, PersonMerge, Relation
from tests import factories
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_compare_and_merge_two_persons(
    page, live_server, county_admin, dong_e_village, meigui_village
):
    born = dt.date(1962, 8, 14)
    first = factories.household(
        county_admin,
        dong_e_village,
        members=[
            factories.member(
                Relation.HEAD, "周桂兰", dong_e_village, id_number=make("370124", born, 242)
            )
        ],
    )
    second = factories.household(
        county_admin,
        meigui_village,
        members=[
            factories.member(
                Relation.HEAD,
                "周桂兰",
                meigui_village,
                id_number=make("370124", dt.date(1962, 8, 15), 242),
            )
        ],
    )
    other = factories.head_of(second)
    scan_registry()
    log_in(page, live_server, county_admin, factories.PASSWORD)
    page.click("nav >> text=家庭档案")
    page.click("text=疑似重复人员（全县）")
    page.wait_for_selector("text=姓名相同、身份证号仅一位数字不同")
    page.click("a:has-text('比较')")
    page.wait_for_selector("h2:has-text('人员1：周桂兰')")
    assert page.locator("text=不同").count() >= 1  # the birth dates differ
    # Keep the first record; the reason is required.
    page.click("button:has-text('合并档案')")
    page.wait_for_selector("text=请填写合并理由（核实的依据）。")
    page.fill("#reason", "本人到镇核实，身份证号录入错一位。")
    page.click("button:has-text('合并档案')")
    page.wait_for_selector("text=已合并")
    kept = factories.head_of(first)
    merge = PersonMerge.objects.get()
    assert (merge.kept_id, merge.merged_id) == (kept.pk, other.pk)
    history = Membership.objects.filter(person=kept).order_by("pk")
    assert [m.household_id for m in history] == [first.pk, second.pk]
    assert AuditEntry.objects.filter(action="merge_persons").count() == 1
