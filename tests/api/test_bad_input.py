"""Bad input: 4xx JSON with a Chinese message, and nothing written."""

import datetime as dt
import re

import pytest

from jiuzhu.core import idnumber
from tests import factories
from tests.api.helpers import counts, head_of, household_payload, member_payload

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _with_check_digit_changed(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def _bad_member(village, **overrides):
    return household_payload(village, [member_payload(village, **overrides)])


def _cases(village, other_village):
    valid = member_payload(village)
    good = factories.id_number()
    impossible_date = "370124" + "19800230" + "123"
    return {
        "check digit": (
            _bad_member(village, id_number=_with_check_digit_changed(good)),
            "身份证号校验码错误，请核对。",
            "members.0.id_number",
        ),
        "impossible birth date": (
            _bad_member(village, id_number=impossible_date + idnumber.check_char(impossible_date)),
            "身份证号中的出生日期不存在。",
            "members.0.id_number",
        ),
        "future birth date": (
            _bad_member(
                village,
                id_number=idnumber.make("370124", dt.date.today() + dt.timedelta(days=400), 1),
            ),
            "身份证号中的出生日期不合理。",
            "members.0.id_number",
        ),
        "short id": (
            _bad_member(village, id_number="37012419800101"),
            "身份证号应为18位。",
            "members.0.id_number",
        ),
        "long id": (
            _bad_member(village, id_number=good + "1"),
            "身份证号应为18位。",
            "members.0.id_number",
        ),
        "two heads": (
            household_payload(village, [valid, member_payload(village)]),
            "一户应有且只有一名户主。",
            None,
        ),
        "no head": (
            household_payload(village, [member_payload(village, relation="child")]),
            "一户应有且只有一名户主。",
            None,
        ),
        "same person twice": (
            household_payload(village, [valid, {**valid, "relation": "child", "name": "李四"}]),
            "同一身份证号在本户中填写了两次。",
            None,
        ),
        "no members": (household_payload(village, []), None, "members"),
        "31 members": (
            household_payload(
                village,
                [valid] + [member_payload(village, relation="child") for _ in range(30)],
            ),
            "家庭成员最多30人。",
            "members",
        ),
        "region outside the area": (
            household_payload(other_village),
            "户籍地不在您的管辖范围内。",
            None,
        ),
        "unknown region code": (
            household_payload(village, registered_region="370124199999"),
            "区划代码 370124199999 不存在。",
            "registered_region",
        ),
        "malformed region code": (
            household_payload(village, residence_region="37012410220"),
            "区划代码应为12位数字。",
            "residence_region",
        ),
        "region code as a number": (
            household_payload(village, residence_region=370124102201),
            "区划代码应为12位数字。",
            "residence_region",
        ),
        "town instead of village": (
            household_payload(village, registered_region=village.parent.code),
            "户籍地应选择到村（社区）。",
            None,
        ),
        "unknown member region": (
            _bad_member(village, residence_region="370124102999"),
            "区划代码 370124102999 不存在。",
            "members.0.residence_region",
        ),
        "address too long": (
            household_payload(village, address="地" * 121),
            "过长（最多120字）。",
            "address",
        ),
        "name too long": (
            _bad_member(village, name="名" * 41),
            "过长（最多40字）。",
            "members.0.name",
        ),
        "name too long as sent (a leading control character is trimmed only after)": (
            _bad_member(village, name="\u001e" + "名" * 40),
            "过长（最多40字）。",
            "members.0.name",
        ),
        "blank name": (_bad_member(village, name="  "), "不能为空。", "members.0.name"),
        "phone letters": (_bad_member(village, phone="call me"), "联系电话格式不正确。", "phone"),
        "bad relation": (_bad_member(village, relation="boss"), None, "members.0.relation"),
        "bad area type": (household_payload(village, area_type="suburb"), None, "area_type"),
        "grade out of range": (
            _bad_member(village, disability_grade=5, disability_category="visual"),
            "残疾等级应为0-4。",
            "members.0.disability_grade",
        ),
        "grade as text": (_bad_member(village, disability_grade="二"), "应为整数。", None),
        "poverty flag by hand": (
            household_payload(village, registered_poor=True),
            "未知字段。",
            "registered_poor",
        ),
        "name as number": (_bad_member(village, name=123), "应为字符串。", "members.0.name"),
        "members not a list": (household_payload(village, members={"a": 1}), None, "members"),
        "unknown field": (household_payload(village, number="X1"), "未知字段。", "number"),
        "missing fields": ({"members": [valid]}, None, None),
    }


@pytest.fixture
def cases(dong_e_village, rose_village):
    return _cases(dong_e_village, rose_village)


def test_every_bad_household_is_refused_and_nothing_written(api, cases, dong_e_household):
    before = counts()
    for name, (payload, message, field) in cases.items():
        response = api.post("/api/households/", payload, format="json")
        assert response.status_code == 400, (name, response.json())
        body = response.json()
        assert CHINESE.search(body["detail"]), (name, body)
        if message:
            assert message in body["detail"], (name, body)
        if field:
            assert body.get("field") == field, (name, body)
        if "field_errors" in body:
            assert all(CHINESE.search(str(v)) for v in body["field_errors"].values()), body
    assert counts() == before


def test_already_registered_elsewhere_is_refused_with_a_masked_pointer(
    api, dong_e_village, rose_household
):
    other = head_of(rose_household)
    before = counts()
    response = api.post(
        "/api/households/",
        household_payload(
            dong_e_village, [member_payload(dong_e_village, id_number=other.id_number)]
        ),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "id_number"
    assert f"已登记在户 {rose_household.number}" in body["detail"]
    assert other.id_number not in body["detail"]
    assert counts() == before


def test_second_member_registered_elsewhere_rolls_back_the_first(
    api, dong_e_village, rose_household
):
    other = head_of(rose_household)
    before = counts()
    members = [
        member_payload(dong_e_village),
        member_payload(dong_e_village, id_number=other.id_number, relation="child"),
    ]
    response = api.post(
        "/api/households/", household_payload(dong_e_village, members), format="json"
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"registered_region": "370124102201",}',
        b"{'single': 'quotes'}",
        b'{"a": NaN}',
        b"\xff\xfe not utf-8",
        b"[" * 100000 + b"]" * 100000,
    ],
)
def test_malformed_json_is_a_chinese_400(api, raw):
    before = counts()
    response = api.post("/api/households/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "请求正文不是有效的 JSON，请检查格式（如引号、逗号、括号）。"
    }
    assert counts() == before


def test_body_that_is_not_an_object(api):
    response = api.post("/api/households/", b"[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert CHINESE.search(response.json()["detail"])


def test_oversize_body_is_refused(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    raw = b'{"address": "' + b"a" * (1024 * 1024) + b'"}'
    response = api.post("/api/households/", raw, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "请求正文过大（最多 1 MB）。"


def test_form_encoded_body_is_refused_in_chinese(api, dong_e_village):
    response = api.post("/api/households/", {"area_type": "rural"})  # multipart
    assert response.status_code == 415
    assert CHINESE.search(response.json()["detail"])


def test_empty_body(api):
    response = api.post("/api/households/", b"", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("提交的数据有误：")


@pytest.mark.parametrize("level", ["province", ""])
def test_unknown_level_for_regions(api, level):
    response = api.get("/api/regions/", {"level": level})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "层级应为 town（镇、街道）或 village（村、社区）。",
        "field": "level",
    }


def test_huge_ids_are_simply_not_found(api, dong_e_household):
    huge = "99999999999999999999"
    for url in (f"/api/households/{huge}/", f"/api/persons/{huge}/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该记录。"}
    for kind in ("incomes", "assets"):
        url = f"/api/households/{dong_e_household.pk}/{kind}/{huge}/"
        response = api.delete(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该记录。"}
    response = api.post(
        f"/api/households/{dong_e_household.pk}/incomes/",
        {"category": "wages", "monthly_amount": "1", "person": int(huge)},
        format="json",
    )
    assert response.status_code == 400


NUL_REFUSAL = "不能含有空字符（\\0），请删除后重新提交。"


def test_nul_characters_are_refused_in_chinese_never_a_server_error(
    api, dong_e_village, dong_e_household
):
    """PostgreSQL cannot hold a NUL: every string in a query or a body is refused first."""
    before = counts()
    searched = api.get("/api/households/", {"q": "王\x00"})
    assert searched.status_code == 400
    assert searched.json() == {"detail": f"查询条件{NUL_REFUSAL}", "field": "q"}
    posted = api.post("/api/households/search/", {"q": "王\x00"}, format="json")
    assert posted.status_code == 400
    assert posted.json()["detail"] == f"提交的数据有误：{NUL_REFUSAL}"
    assert posted.json()["field"] == "q"
    body = household_payload(dong_e_village, [member_payload(dong_e_village, name="张\x00三")])
    created = api.post("/api/households/", body, format="json")
    assert created.status_code == 400
    assert created.json()["detail"] == f"提交的数据有误：{NUL_REFUSAL}"
    assert created.json()["field"] == "members.0.name"
    assert counts() == before


@pytest.mark.parametrize("path", ["/api/households/", "/api/regions/"])
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("offset=null", "offset", "应为整数（0-10000000），且只给一次。"),
        ("offset=-1", "offset", "应为整数（0-10000000），且只给一次。"),
        ("offset=1&offset=2", "offset", "应为整数（0-10000000），且只给一次。"),
        ("limit=0", "limit", "应为1-500的整数。"),
        ("limit=501", "limit", "应为1-500的整数。"),
        ("limit=5.0", "limit", "应为整数（1-500），且只给一次。"),
        ("q=zs&limit=abc", "limit", "应为整数（1-500），且只给一次。"),
    ],
)
def test_bad_paging_is_a_chinese_400_not_ignored(
    api, dong_e_household, path, query, field, message
):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == f"提交的数据有误：{message}" and body["field"] == field


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/households/null,null/"),
        ("post", "/api/persons/abc/leave/"),
        ("delete", "/api/households/1/incomes/x/"),
        ("get", "/api/nothing-here/"),
        ("delete", "/api/households/Q%0A3/assets/2.2e-311/"),
    ],
)
def test_unknown_api_paths_answer_json_404(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到该记录。"}


def test_unknown_api_path_still_needs_a_token(client_for):
    response = client_for(None).get("/api/households/null/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"reason": ""}, "reason", "不能为空。"),
        ({"reason": 5}, "reason", "应为字符串。"),
        ({"reason": None}, "reason", "该字段不能为 null。"),
        ({"reason": "去世", "extra": 1}, "extra", "未知字段。"),
    ],
)
def test_strings_are_strings_and_extra_fields_refused(
    api, dong_e_household, payload, field, message
):
    person = head_of(dong_e_household)
    before = counts()
    response = api.post(f"/api/persons/{person.pk}/leave/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["detail"] == f"提交的数据有误：{message}"
    assert counts() == before


def test_integers_are_integers(api, dong_e_household):
    person = head_of(dong_e_household)
    for value in ("1", 1.0, True):
        body = {"to_household": value, "relation": "head", "reason": "迁入"}
        response = api.post(f"/api/persons/{person.pk}/move/", body, format="json")
        assert response.status_code == 400
        assert response.json()["field"] == "to_household"
        assert response.json()["detail"] == "提交的数据有误：应为整数。"
