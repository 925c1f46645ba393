"""ID numbers sealed at rest (issue 19): what the database holds, keys, errors, the check."""

import hashlib
import hmac
import subprocess
import sys

import pyarrow as pa
import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from jiuzhu.core import crypto
from jiuzhu.registry import selectors, services
from jiuzhu.registry.models import Person, Relation
from jiuzhu.registry.selectors import id_number_is
from tests import factories
from tests.conftest import OTHER_DATA_KEY, TEST_DATA_KEY
from tests.core.test_production_settings import _production_env

TEST_KEYS = f"t1:{TEST_DATA_KEY}"


def _raw(table: str, column: str, row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def test_sealing_is_random_and_opens_again():
    first, second = crypto.encrypt_many(["370124197005170011", "370124197005170011"])
    assert first != second  # a fresh nonce each time: equal numbers do not look equal
    assert first.startswith("t1:") and "370124" not in first
    assert crypto.decrypt_many([first, second, "", None]) == ["370124197005170011"] * 2 + [""] * 2
    assert len(first) <= crypto.sealed_length(18)
    assert crypto.encrypt("") == ""


def test_digest_is_keyed_and_exact(data_keys):
    digest = crypto.digest("370124197005170011")
    assert len(digest) == 32 and int(digest, 16) >= 0
    assert crypto.digest("370124197005170011") == digest
    assert crypto.digest("370124197005170012") != digest
    assert crypto.digest_many(["", None]) == ["", ""]
    data_keys(TEST_KEYS, OTHER_DATA_KEY)
    assert crypto.digest("370124197005170011") != digest  # without the key: no digest


def test_a_column_digested_at_once_is_the_hmac_of_each_value():
    values = ["370124197005170011", "37012419700517001X", "王五", "", None, "a" * 200]
    column = crypto.digest_array(pa.array(values * 3000)).to_pylist()
    key = crypto.keyring().search_key
    expected = [
        hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32] if value else None
        for value in values
    ]
    assert column == expected * 3000  # in order, across DuckDB's threads
    assert [d or None for d in crypto.digest_many(values)] == expected
    assert crypto.digest_array(pa.array([], pa.string())).to_pylist() == []


@pytest.mark.django_db
def test_the_database_holds_no_plain_id_number(county_admin, dong_e_village):
    household = factories.household(county_admin, dong_e_village)
    head = factories.head_of(household)
    stored = _raw("registry_person", "id_number", head.pk)
    assert stored != head.id_number and head.id_number not in stored
    assert stored.startswith("t1:") and crypto.decrypt(stored) == head.id_number
    assert _raw("registry_person", "id_digest", head.pk) == crypto.digest(head.id_number)
    assert Person.objects.get(id_number_is(head.id_number.lower())) == head
    with pytest.raises(FieldError, match="encrypted"):
        Person.objects.filter(id_number=head.id_number).exists()


@pytest.mark.django_db
def test_the_same_id_number_twice_is_refused_by_the_digest(county_admin, dong_e_village):
    household = factories.household(county_admin, dong_e_village)
    head = factories.head_of(household)
    twin = Person(
        id_number=head.id_number,
        name="重复",
        sex="M",
        birth_date=head.birth_date,
        residence_region=dong_e_village,
        hukou_type="rural",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_search_by_full_number_and_by_more_than_four_last_digits(
    county_admin, dong_e_assistant, dong_e_village
):
    # The same last four characters, a different fifth from last.
    wanted, same_suffix = "370124197005170159", "370124197005090159"
    for name, number in (("赵一", wanted), ("钱二", same_suffix)):
        head = factories.member(Relation.HEAD, name, dong_e_village, id_number=number)
        factories.household(county_admin, dong_e_village, members=[head])

    def names(query: str) -> list[str]:
        return [m.person.name for m in selectors.search(dong_e_assistant, query).memberships]

    assert names(wanted) == ["赵一"]
    assert names(wanted[-5:]) == ["赵一"]
    assert names(wanted[-4:]) == ["赵一", "钱二"]
    assert names(same_suffix[-6:]) == ["钱二"]


@pytest.mark.django_db
def test_a_wrong_key_gives_a_clear_error(data_keys, county_admin, dong_e_village):
    head = factories.head_of(factories.household(county_admin, dong_e_village))
    data_keys(f"t1:{OTHER_DATA_KEY}")
    with pytest.raises(crypto.CryptoError) as wrong:
        Person.objects.get(pk=head.pk)
    assert str(wrong.value) == "无法解密：密钥“t1”与数据不符（密钥错误或数据被篡改）。"
    data_keys(f"t2:{OTHER_DATA_KEY}")
    with pytest.raises(crypto.CryptoError) as missing:
        Person.objects.get(pk=head.pk)
    assert str(missing.value) == "无法解密：数据由密钥“t1”加密，JIUZHU_DATA_KEYS 中没有该密钥。"


@pytest.mark.parametrize(
    ("keys_text", "search_key", "message"),
    [
        ("", OTHER_DATA_KEY, "未设置 JIUZHU_DATA_KEYS（身份证号和银行账号的加密密钥）。"),
        (f"t1:{OTHER_DATA_KEY}", "", "未设置 JIUZHU_SEARCH_KEY（身份证号检索摘要的密钥）。"),
        (
            "t1:c2hvcnQ=",
            OTHER_DATA_KEY,
            "JIUZHU_DATA_KEYS 中的密钥“t1” 应为 32 字节的随机密钥（base64 编码）。",
        ),
        ("t1:!!", OTHER_DATA_KEY, "JIUZHU_DATA_KEYS 中的密钥“t1” 不是有效的 base64 编码。"),
        (
            OTHER_DATA_KEY,
            OTHER_DATA_KEY,
            "JIUZHU_DATA_KEYS 的每一项应为“密钥编号:base64密钥”，编号为1-16位字母或数字。",
        ),
        (
            f"t1:{OTHER_DATA_KEY},t1:{OTHER_DATA_KEY}",
            OTHER_DATA_KEY,
            "JIUZHU_DATA_KEYS 中密钥编号“t1”重复。",
        ),
    ],
)
def test_bad_keys_are_refused_in_chinese(keys_text, search_key, message):
    with pytest.raises(crypto.CryptoError) as refused:
        crypto.parse_keyring(keys_text, search_key)
    assert str(refused.value) == message


def test_the_system_check_refuses_production_without_keys(data_keys, settings):
    assert crypto.check_keys(None) == []
    settings.DEBUG = False
    data_keys("", "")
    errors = crypto.check_keys(None)
    assert [e.id for e in errors] == ["jiuzhu.crypto.E001"]
    assert errors[0].msg == "未设置 JIUZHU_DATA_KEYS（身份证号和银行账号的加密密钥）。"
    settings.DEBUG = True  # development derives keys from SECRET_KEY
    data_keys("", "")
    assert crypto.check_keys(None) == []
    assert crypto.keyring().current_id == crypto.DEV_KEY_ID


def test_check_deploy_fails_without_keys(tmp_path):
    env = _production_env(tmp_path, JIUZHU_DATA_KEYS="", JIUZHU_SEARCH_KEY="")
    result = subprocess.run(
        [sys.executable, "-m", "jiuzhu", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "jiuzhu.crypto.E001" in result.stderr
    assert "未设置 JIUZHU_DATA_KEYS（身份证号和银行账号的加密密钥）。" in result.stderr


@pytest.mark.django_db
def test_replacing_an_id_number_moves_its_digest_and_suffix(county_admin, dong_e_village):
    head = factories.head_of(factories.household(county_admin, dong_e_village))
    old = head.id_number
    services.replace_id_number(head, "370124197005090159")
    assert not Person.objects.filter(id_number_is(old)).exists()
    assert Person.objects.get(id_number_is("370124197005090159")) == head
    assert _raw("registry_person", "id_suffix", head.pk) == "0159"
    assert crypto.decrypt(_raw("registry_person", "id_number", head.pk)) == "370124197005090159"
