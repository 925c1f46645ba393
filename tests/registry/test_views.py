import datetime as dt

import pytest

from jiuzhu.core import idnumber
from jiuzhu.core.models import AccessLog
from jiuzhu.core.roles import Role
from jiuzhu.registry import selectors
from jiuzhu.registry.models import Household, Person, Relation
from tests import factories
from tests.conftest import client_for

HEAD_ID = "37012419680305123X"


@pytest.fixture
def meigui_household(meigui_village, county_admin):
    return factories.household(
        county_admin,
        meigui_village,
        members=[factories.member(name="玫瑰花", residence=meigui_village)],
    )


@pytest.fixture
def dong_e_household(dong_e_village, county_admin):
    return factories.household(
        county_admin,
        dong_e_village,
        members=[
            factories.member(name="张三", residence=dong_e_village),
            factories.member(Relation.SPOUSE, "李梅", dong_e_village),
        ],
    )


def member_post(prefix, village, relation="head", name="张三", id_number=None):
    return {
        f"{prefix}-name": name,
        f"{prefix}-id_number": id_number or factories.id_number(),
        f"{prefix}-relation": relation,
        f"{prefix}-hukou_type": "rural",
        f"{prefix}-residence_region": village.pk,
        f"{prefix}-registered_region": village.pk,
        f"{prefix}-phone": "13800000000",
        f"{prefix}-labour_capacity": "full",
        f"{prefix}-disability_grade": "0",
        f"{prefix}-disability_category": "",
        f"{prefix}-co_resident": "on",
    }


def household_post(village, members):
    data = {
        "registered_region": village.pk,
        "residence_region": village.pk,
        "area_type": "rural",
        "address": "东阿村3组",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
    }
    for member in members:
        data.update(member)
    return data


@pytest.mark.django_db
def test_create_household_with_two_members_by_form(dong_e_assistant, dong_e_village):
    client = client_for(dong_e_assistant)
    assert client.get("/households/new/").status_code == 200
    data = household_post(
        dong_e_village,
        [
            member_post("members-0", dong_e_village),
            member_post("members-1", dong_e_village, "spouse", "李梅"),
        ],
    )
    response = client.post("/households/new/", data)
    assert response.status_code == 302
    household = Household.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "张三" in page and "李梅" in page and household.number in page


@pytest.mark.django_db
def test_form_errors_are_chinese_and_nothing_is_written(dong_e_assistant, dong_e_village):
    client = client_for(dong_e_assistant)
    bad_id = factories.id_number()[:17] + "Y"
    data = household_post(
        dong_e_village, [member_post("members-0", dong_e_village, id_number=bad_id)]
    )
    page = client.post("/households/new/", data).content.decode()
    assert "身份证号前17位应为数字，最后一位为数字或X。" in page
    two_heads = household_post(
        dong_e_village,
        [member_post("members-0", dong_e_village), member_post("members-1", dong_e_village)],
    )
    assert "一户应有且只有一名户主。" in client.post("/households/new/", two_heads).content.decode()
    assert not Household.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_blank_member_row_for_htmx(dong_e_assistant):
    response = client_for(dong_e_assistant).get("/households/new/?member_row=3")
    assert 'name="members-3-id_number"' in response.content.decode()


@pytest.mark.django_db
def test_search_by_name_initials_and_id(dong_e_assistant, dong_e_household):
    client = client_for(dong_e_assistant)
    head = Person.objects.get(name="张三")
    for query in ("张三", "zs", "ZS", head.id_number, head.id_number[-6:]):
        page = client.post("/households/", {"q": query}).content.decode()
        assert dong_e_household.number in page, query
    for query in ("张三", "zs", head.id_number[-6:]):  # names and short suffixes may be links
        assert dong_e_household.number in client.get("/households/", {"q": query}).content.decode()
    assert "至少输入后4位" in client.post("/households/", {"q": "12"}).content.decode()
    partial = client.post("/households/", {"q": "lm"}, headers={"HX-Request": "true"})
    assert "李梅" in partial.content.decode() and "<html" not in partial.content.decode()


ID_IN_URL_REFUSAL = (
    "为保护个人信息，网址中不能包含身份证号（最多输入后6位）；请在查询框中输入后点“查询”。"
)


@pytest.mark.django_db
def test_search_by_id_number_goes_by_post_never_in_a_url(
    dong_e_assistant, dong_e_household, caplog
):
    """The page's form and its live search post the query; a full ID number (or any run of
    more than 6 digits) sent in a GET query is sent back to the empty search page unread."""
    client = client_for(dong_e_assistant)
    head = Person.objects.get(name="张三")
    page = client.get("/households/").content.decode()
    assert '<form method="post"' in page and 'hx-post="/households/"' in page
    assert "hx-get" not in page and 'name="csrfmiddlewaretoken"' in page
    found = client.post("/households/", {"q": head.id_number})
    assert dong_e_household.number in found.content.decode()
    assert f"?q={head.id_number}" not in found.content.decode()
    for query in (head.id_number, head.id_number[:7], head.id_number[-7:]):
        caplog.clear()
        response = client.get("/households/", {"q": query})
        assert response.status_code == 302 and response["Location"] == "/households/"
        refused = client.get(response["Location"]).content.decode()
        assert ID_IN_URL_REFUSAL in refused and dong_e_household.number not in refused
        assert query not in caplog.text
    htmx = client.get("/households/", {"q": head.id_number}, headers={"HX-Request": "true"})
    assert htmx.status_code == 400 and ID_IN_URL_REFUSAL in htmx.content.decode()
    assert not AccessLog.objects.filter(household_id=dong_e_household.pk).exists()


@pytest.mark.django_db
def test_search_refuses_nul_characters_in_chinese(dong_e_assistant, dong_e_household):
    client = client_for(dong_e_assistant)
    for send in (client.post, client.get):
        response = send("/households/", {"q": "张\x00三"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "提交的内容不能含有空字符（\\0），请删除后重新提交。" in page
        assert dong_e_household.number not in page
    # Past the page guard (another caller of the selector): the search itself refuses it.
    result = selectors.search(dong_e_assistant, "张\x00三")
    assert result.message == "查询条件不能含有空字符（\\0），请删除后重新提交。"
    assert result.memberships == []


@pytest.mark.django_db
def test_a_town_assistant_cannot_reach_another_towns_household(dong_e_assistant, meigui_household):
    client = client_for(dong_e_assistant)
    person = meigui_household.memberships.get().person
    assert client.get(f"/households/{meigui_household.pk}/").status_code == 404
    assert client.get(f"/households/{meigui_household.pk}/edit/").status_code == 404
    assert client.post(f"/households/{meigui_household.pk}/incomes/", {}).status_code == 404
    for query in ("玫瑰花", "mgh", person.id_number, person.id_number[-4:]):
        assert (
            meigui_household.number
            not in client.post("/households/", {"q": query}).content.decode()
        )
    # Outside the area and nonexistent look the same.
    assert client.get("/households/999999/").status_code == 404


@pytest.mark.django_db
def test_household_residing_in_the_users_town_is_visible(
    dong_e_assistant, dong_e_village, county_admin, meigui_village
):
    # Registered in 玫瑰镇, living in 东阿镇 (人户分离): both towns see it.
    household = factories.household(
        county_admin, meigui_village, members=[factories.member()], residence_region=dong_e_village
    )
    page = client_for(dong_e_assistant).get(f"/households/{household.pk}/").content.decode()
    assert "人户分离" in page


@pytest.mark.django_db
def test_a_loaded_household_is_in_scope_exactly_where_the_scoped_rows_hold_it(
    dong_e_assistant, dong_e_village, county_admin, meigui_village
):
    living_here = factories.household(
        county_admin, meigui_village, members=[factories.member()], residence_region=dong_e_village
    )
    registered_here = factories.household(county_admin, dong_e_village)
    elsewhere = factories.household(county_admin, meigui_village)
    no_region = factories.user(Role.TOWN_ASSISTANT, dong_e_village.parent)
    no_region.region = None
    for user in (dong_e_assistant, county_admin, no_region):
        for household in (living_here, registered_here, elsewhere):
            held = selectors.households_in_scope(user).filter(pk=household.pk).exists()
            assert selectors.in_scope(user, household) is held
    assert [selectors.in_scope(dong_e_assistant, h) for h in (living_here, elsewhere)] == [
        True,
        False,
    ]


@pytest.mark.django_db
def test_opening_a_household_is_logged(dong_e_assistant, dong_e_household):
    client_for(dong_e_assistant).get(f"/households/{dong_e_household.pk}/")
    entry = AccessLog.objects.get()
    assert (entry.user, entry.household_id, entry.channel) == (
        dong_e_assistant,
        dong_e_household.pk,
        "page",
    )


@pytest.mark.django_db
def test_auditor_searches_the_access_log(dong_e_assistant, dong_e_household, county_admin):
    dong_e_assistant.last_name, dong_e_assistant.first_name = "孙", "助理"
    dong_e_assistant.save()
    client_for(dong_e_assistant).get(f"/households/{dong_e_household.pk}/")
    auditor = factories.user(Role.AUDITOR, factories.county())
    row = '<td data-label="工作人员">孙助理</td><td data-label="岗位">乡镇助理员</td>'
    # By person, and by the household's number (户号); never a login or an internal id.
    for query in ({"staff": dong_e_assistant.pk}, {"household": dong_e_household.number}):
        page = client_for(auditor).get("/core/access-log/", query).content.decode()
        assert row in page and dong_e_assistant.username not in page
        assert f'<td data-label="户号">{dong_e_household.number}</td>' in page
        assert '<td data-label="对象">家庭档案</td>' in page
    page = client_for(auditor).get("/core/access-log/", {"household": "不存在"}).content.decode()
    assert "没有记录。" in page and row not in page
    page = client_for(auditor).get("/core/access-log/", {"staff": "x"}).content.decode()
    assert "请从列表中选择工作人员。" in page
    assert client_for(dong_e_assistant).get("/core/access-log/").status_code == 404


@pytest.mark.django_db
def test_id_numbers_are_masked_by_role(dong_e, dong_e_village, county_admin):
    # 370124 19680305 123 X: region, birth date, sequence, check character.
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[factories.member(name="赵六", residence=dong_e_village, id_number=HEAD_ID)],
    )
    village_staff = factories.user(Role.VILLAGE_COORDINATOR, dong_e_village)
    page = client_for(village_staff).get(f"/households/{household.pk}/").content.decode()
    assert "370124********123X" in page
    assert HEAD_ID not in page and "19680305" not in page
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e)
    page = client_for(assistant).get(f"/households/{household.pk}/").content.decode()
    assert HEAD_ID in page and "370124********123X" not in page
    # The search results mask the same way.
    found = client_for(village_staff).get("/households/", {"q": "赵六"}).content.decode()
    assert "370124********123X" in found and HEAD_ID not in found


@pytest.mark.django_db
def test_watchers_see_but_cannot_edit(dong_e, dong_e_household):
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, factories.county())
    client = client_for(supervisor)
    assert client.get(f"/households/{dong_e_household.pk}/").status_code == 200
    assert client.get("/households/new/").status_code == 404
    assert client.get(f"/households/{dong_e_household.pk}/edit/").status_code == 404
    officer = factories.user(Role.DEPARTMENT_OFFICER, factories.county(), department="人社局")
    assert client_for(officer).get(f"/households/{dong_e_household.pk}/").status_code == 404


@pytest.mark.django_db
def test_move_and_leave_pages(dong_e_assistant, dong_e_household, dong_e_village):
    client = client_for(dong_e_assistant)
    target = factories.household(dong_e_assistant, dong_e_village)
    spouse = Person.objects.get(name="李梅")
    url = f"/households/{dong_e_household.pk}/members/{spouse.pk}/move/"
    response = client.post(url, {"to_household": "nope", "relation": "spouse", "reason": "婚嫁"})
    assert "找不到该户编号" in response.content.decode()
    response = client.post(
        url, {"to_household": target.number, "relation": "spouse", "reason": "婚嫁"}
    )
    assert response.status_code == 302
    page = client.get(f"/households/{dong_e_household.pk}/").content.decode()
    assert "成员变动历史" in page and "婚嫁" in page
    head = dong_e_household.memberships.get(relation="head").person
    url = f"/households/{dong_e_household.pk}/members/{head.pk}/leave/"
    response = client.post(url, {"reason": "死亡"})
    assert response.status_code == 302
    assert head.memberships.get().end_reason == "死亡"
    moved = spouse.memberships.get(end_date__isnull=True)
    assert (moved.household, moved.relation) == (target, "spouse")


@pytest.mark.django_db
def test_income_and_asset_pages(dong_e_assistant, dong_e_household):
    client = client_for(dong_e_assistant)
    url = f"/households/{dong_e_household.pk}/incomes/"
    response = client.post(url, {"action": "add", "category": "wages", "monthly_amount": "-5"})
    assert "不能小于 0。" in response.content.decode()
    assert not dong_e_household.incomes.exists()
    response = client.post(url, {"action": "add", "category": "wages", "monthly_amount": "800"})
    assert response.status_code == 302
    income = dong_e_household.incomes.get()
    assert (income.category, income.monthly_amount, income.person) == ("wages", 800, None)
    response = client.post(url, {"action": "remove", "income_id": "abc"})
    assert "该收入记录不存在。" in response.content.decode()
    assert dong_e_household.incomes.count() == 1
    page = client.get(url).content.decode()
    assert "工资性收入" in page and "800.00" in page
    assert client.post(url, {"action": "remove", "income_id": str(income.pk)}).status_code == 302
    assert not dong_e_household.incomes.exists()

    asset_url = f"/households/{dong_e_household.pk}/assets/"
    spouse = Person.objects.get(name="李梅")
    client.post(
        asset_url,
        {
            "action": "add",
            "kind": "vehicle",
            "value": "30000",
            "quantity": "1",
            "person": str(spouse.pk),
        },
    )
    asset = dong_e_household.assets.get()
    assert (asset.kind, asset.value, asset.quantity, asset.person) == ("vehicle", 30000, 1, spouse)
    page = client.get(asset_url).content.decode()
    assert "机动车辆" in page and "李梅" in page and "30,000.00" in page


@pytest.mark.django_db
def test_who_may_not_edit_incomes_writes_nothing(dong_e_household, meigui):
    url = f"/households/{dong_e_household.pk}/incomes/"
    add = {"action": "add", "category": "wages", "monthly_amount": "800"}
    supervisor = factories.user(Role.COUNTY_SUPERVISOR, factories.county())
    other_town = factories.user(Role.TOWN_ASSISTANT, meigui)
    for user in (supervisor, other_town):
        assert client_for(user).post(url, add).status_code == 404
    assert not dong_e_household.incomes.exists()


@pytest.mark.django_db
def test_refused_leave_shows_the_reason_and_writes_nothing(dong_e_assistant, dong_e_household):
    head = dong_e_household.memberships.get(relation="head").person
    url = f"/households/{dong_e_household.pk}/members/{head.pk}/leave/"
    page = client_for(dong_e_assistant).post(url, {"reason": "迁出"}).content.decode()
    assert "户主离开前，请先为本户指定新的户主。" in page
    membership = head.memberships.get()
    assert (membership.end_date, membership.end_reason) == (None, "")


@pytest.mark.django_db
def test_a_long_search_result_pages_by_post(
    dong_e_assistant, dong_e_village, county_admin, monkeypatch
):
    for number in range(5):
        factories.household(
            county_admin,
            dong_e_village,
            members=[factories.member(Relation.HEAD, f"王{number}号", dong_e_village)],
        )
    found = [selectors.search(dong_e_assistant, "王", limit=2, page=page) for page in (1, 2, 3)]
    assert [len(r.memberships) for r in found] == [2, 2, 1]
    assert [r.has_more for r in found] == [True, True, False]
    names = [m.person.name for r in found for m in r.memberships]
    assert sorted(names) == [f"王{n}号" for n in range(5)]  # every one once, none twice
    client = client_for(dong_e_assistant)
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 2)
    first = client.post("/households/", {"q": "王"}).content.decode()
    assert "第 1 页，本页 2 人，还有更多" in first and 'name="page" value="2"' in first
    third = client.post("/households/", {"q": "王", "page": "3"}).content.decode()
    assert "第 3 页，本页 1 人" in third and "下一页" not in third
    # A page that is not a number is the first page, never an error.
    assert "第 1 页" in client.post("/households/", {"q": "王", "page": "x"}).content.decode()


@pytest.mark.django_db
def test_search_by_name_or_initials_pages_in_name_then_person_order(
    dong_e_assistant, dong_e_village, county_admin
):
    # Namesakes share a page boundary; the character right after 王 starts no match.
    after = chr(ord("王") + 1)
    for name in ("王五", "王", "王五", "王五", f"{after}一", "王一"):
        head = factories.member(Relation.HEAD, name, dong_e_village)
        factories.household(county_admin, dong_e_village, members=[head])
    ids = {
        name: list(Person.objects.filter(name=name).order_by("pk").values_list("pk", flat=True))
        for name in ("王", "王一", "王五")
    }
    expected = [*ids["王"], *ids["王一"], *ids["王五"]]  # name in byte order, then person
    for query in ("王", "w"):
        pages = [
            selectors.search(dong_e_assistant, query, limit=2, page=page) for page in (1, 2, 3)
        ]
        shown = [[m.person_id for m in result.memberships] for result in pages]
        if query == "王":
            assert shown == [expected[0:2], expected[2:4], expected[4:5]]
        else:  # initials w, ww, wy: in initials order, each page sorted by name
            by_initials = [*ids["王"], *ids["王五"], *ids["王一"]]
            assert [sorted(page) for page in shown] == [
                sorted(by_initials[0:2]),
                sorted(by_initials[2:4]),
                sorted(by_initials[4:5]),
            ]
        assert [r.has_more for r in pages] == [True, True, False]


def test_the_end_of_a_prefix_range():
    assert selectors._past_prefix("王") == chr(ord("王") + 1)
    assert selectors._past_prefix("ab") == "ac"
    assert selectors._past_prefix("a\U0010ffff") == "b"
    assert selectors._past_prefix("\U0010ffff") is None  # every text after it starts with it
    assert selectors._past_prefix("a\ud7ff") == "a\ue000"  # surrogates skipped


@pytest.mark.django_db
def test_search_by_the_last_four_digits_pages_through_everyone_with_them(
    dong_e_assistant, dong_e_village, county_admin
):
    # Five people whose numbers end alike (same sequence, birth dates whose check digit
    # agrees), and one whose last four differ.
    numbers: list[str] = []
    day = dt.date(1960, 1, 1)
    while len(numbers) < 5:
        number = idnumber.make("370124", day, 123)
        if not numbers or number[-4:] == numbers[0][-4:]:
            numbers.append(number)
        day += dt.timedelta(days=1)
    other = next(
        idnumber.make("370124", day + dt.timedelta(days=n), 124)
        for n in range(30)
        if idnumber.make("370124", day + dt.timedelta(days=n), 124)[-4:] != numbers[0][-4:]
    )
    for index, number in enumerate([*numbers, other]):
        factories.household(
            county_admin,
            dong_e_village,
            members=[
                factories.member(Relation.HEAD, f"李{index}号", dong_e_village, id_number=number)
            ],
        )
    found = [
        selectors.search(dong_e_assistant, numbers[0][-4:], limit=2, page=page)
        for page in (1, 2, 3)
    ]
    assert [len(r.memberships) for r in found] == [2, 2, 1]
    assert [r.has_more for r in found] == [True, True, False]
    names = [m.person.name for r in found for m in r.memberships]
    assert sorted(names) == [f"李{n}号" for n in range(5)]  # every one once, none twice
    # The rows come loaded for the page (person, household, region): no query per row.
    result = found[0].memberships[0]
    assert result.household.registered_region.name == dong_e_village.name
