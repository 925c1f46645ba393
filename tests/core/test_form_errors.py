"""Every form: an error summary on top linking to its fields, each message next to its
field in plain Chinese (not Django's defaults), the values entered kept; defaults that
save typing (a coordinator's only village)."""

import pytest
from django import forms

from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Household
from tests import factories
from tests.conftest import client_for
from tests.registry.test_views import household_post, member_post

pytestmark = pytest.mark.django_db


class _Sample(forms.Form):
    count = forms.IntegerField(label="人数", max_value=9)
    day = forms.DateField(label="日期")
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲")])
    note = forms.CharField(label="说明", max_length=3)


def test_django_defaults_become_plain_chinese():
    form = _Sample({"count": "x", "day": "明天", "kind": "b", "note": "太长的说明"})
    assert form.errors == {
        "count": ["请填写整数，例如 3。"],
        "day": ["日期格式不正确，例如 2026-12-01。"],
        "kind": ["请从列表中选择。"],
        "note": ["最多 3 个字（现有 5 个）。"],
    }
    assert _Sample({"count": "10"}).errors["count"] == ["不能大于 9。"]
    assert _Sample({}).errors["day"] == ["请填写此项。"]


def test_a_refused_form_shows_the_summary_its_field_message_and_keeps_the_values(
    dong_e_assistant, dong_e_village
):
    data = household_post(dong_e_village, [member_post("members-0", dong_e_village)])
    data["area_type"] = "火星"
    data["address"] = "东阿村3组"
    page = client_for(dong_e_assistant).post("/households/new/", data).content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "提交未成功，请按以下提示修改后再提交：" in summary
    assert '<a href="#id_area_type">城乡类别：请从列表中选择。</a>' in summary
    field = page.split('<label for="id_area_type">')[1].split("</div>")[0]
    assert "请从列表中选择。" in field  # next to its field too
    assert 'value="东阿村3组"' in page  # what was typed stays
    assert "Select a valid choice" not in page and "选择一个有效的选项" not in page
    assert not Household.objects.exists()


def test_a_coordinators_only_village_is_preselected_and_the_county_chooses(
    dong_e_village, meigui_village, county_admin
):
    coordinator = factories.user(Role.VILLAGE_COORDINATOR, dong_e_village, username="coord")
    page = client_for(coordinator).get("/households/new/").content.decode()
    selected = f'<option value="{dong_e_village.pk}" selected>'
    assert page.count(selected) == 2  # registered and residing there
    county = client_for(county_admin).get("/households/new/").content.decode()
    assert selected not in county and '<option value="" selected>请选择</option>' in county
