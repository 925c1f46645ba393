import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def answers(**extra):
    data = {
        "area_type": "rural",
        "monthly_income": "300",
        "deposits": "0",
        "emergency_expense": "0",
        "m-TOTAL_FORMS": "6",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "6",
    }
    for i in range(6):
        data |= {f"m-{i}-age": "", f"m-{i}-disability_grade": "0", f"m-{i}-labour_capacity": "full"}
    return data | extra


def test_an_old_couple_learns_what_they_may_apply_for():
    page = Client().get("/portal/assess/").content.decode()
    assert 'id="results"' not in page  # nothing for a household nobody described
    page = (
        Client()
        .post(
            "/portal/assess/",
            answers(
                **{
                    "m-0-age": "76",
                    "m-0-labour_capacity": "none",
                    "m-1-age": "73",
                    "m-1-disability_grade": "2",
                    "m-1-serious_illness": "on",
                    "m-1-labour_capacity": "none",
                }
            ),
        )
        .content.decode()
    )
    assert "<strong>最低生活保障：可以申请</strong>。符合低保条件，每月1,644.80元" in page
    assert "<strong>困境儿童保障：暂不符合</strong>。无孤儿或事实无人抚养儿童" in page
    assert "<strong>残疾人两项补贴：可以申请</strong>。1人，每月180.00元" in page
    assert "not_eligible" not in page and "eligible" not in page


def test_no_member_or_a_bad_age_is_refused():
    page = Client().post("/portal/assess/", answers()).content.decode()
    assert "请至少填写一位共同生活的家庭成员的年龄。" in page and 'id="results"' not in page
    page = Client().post("/portal/assess/", answers(**{"m-0-age": "130"})).content.decode()
    assert 'id="results"' not in page
