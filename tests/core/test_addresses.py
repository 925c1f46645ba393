import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from jiuzhu.core.addresses import address


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("cases:detail", (7,)),
        ("cases:detail", (0,)),
        ("registry:edit_member", (12, 345_678)),
        ("payments:detail", (9_081_726_353_999,)),
    ],
)
def test_a_rows_address_is_the_one_django_reverses(name, ids):
    assert address(name, *ids) == reverse(name, args=ids)


def test_anything_but_row_keys_is_reversed_by_django_with_its_errors():
    assert address("cases:detail", "42") == reverse("cases:detail", args=["42"]) == "/cases/42/"
    for wrong in (-1, True, 1.5):
        with pytest.raises(NoReverseMatch):
            address("cases:detail", wrong)
    with pytest.raises(NoReverseMatch):
        address("no:such_page", 1)


def test_the_address_carries_the_mount_point_it_is_served_under():
    set_script_prefix("/jiuzhu/")
    try:
        assert address("cases:detail", 3) == "/jiuzhu/cases/3/"
    finally:
        set_script_prefix("/")
    assert address("cases:detail", 3) == "/cases/3/"


def test_the_link_tag_writes_the_same_address_as_url():
    text = (
        "{% load jiuzhu %}"
        "{% link 'registry:edit_member' h m %}|{% url 'registry:edit_member' h m %}"
    )
    shown = Template(text).render(Context({"h": 5, "m": 66}))
    assert shown == "/households/5/members/66/edit/|/households/5/members/66/edit/"
