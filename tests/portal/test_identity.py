import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.cases.notifications import RecordingSmsBackend
from jiuzhu.portal import identity
from jiuzhu.portal.models import ApplicantSession, OneTimeCode
from tests.factories import head_of, id_number
from tests.portal.conftest import signed_in_client, texted_code

pytestmark = pytest.mark.django_db

SENT = "如果身份证号和姓名与登记信息一致，验证码已发送到登记的手机号码，5分钟内有效。"


def ask(client: Client, id_value: str, name: str) -> str:
    return client.post(
        "/portal/sign-in/", {"step": "code", "id_number": id_value, "name": name}
    ).content.decode()


def enter(client: Client, id_value: str, code: str):
    return client.post("/portal/sign-in/", {"step": "sign_in", "id_number": id_value, "code": code})


def test_code_texted_to_the_registered_mobile_signs_in(
    poor_household, django_capture_on_commit_callbacks
):
    head = head_of(poor_household)
    client = signed_in_client(head, django_capture_on_commit_callbacks)
    assert RecordingSmsBackend.outbox[0][0] == "13900000001"
    page = client.get("/portal/").content.decode()
    assert "王老汉，您好" in page
    # A staff page does not take the applicant's cookie for a staff login.
    assert client.get("/cases/")["Location"].startswith("/login/")


def test_unknown_id_or_wrong_name_gets_the_same_answer_and_no_text(
    poor_household, django_capture_on_commit_callbacks
):
    head = head_of(poor_household)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = ask(client, id_number(dt.date(1960, 1, 1)), "张三")
        wrong_name = ask(client, head.id_number, "王老二")
    assert SENT in unknown and SENT in wrong_name
    assert list(RecordingSmsBackend.outbox) == []
    # Whatever is typed, no code signs in a person that is not there.
    assert "验证码不正确或已失效" in enter(client, head.id_number, "000000").content.decode()
    assert ApplicantSession.objects.count() == 0


def test_bad_id_number_is_refused_without_writing():
    page = ask(Client(), "370124195003011234", "王老汉")
    assert "请输入正确的18位身份证号。" in page
    assert OneTimeCode.objects.count() == 0


def test_wrong_and_expired_codes_then_the_lock(poor_household, django_capture_on_commit_callbacks):
    head = head_of(poor_household)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, head.id_number, "王老汉")
    code = texted_code(head.phone)
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码不正确或已失效" in enter(client, head.id_number, wrong).content.decode()
    # Expired: the right code five minutes late does not sign in.
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "验证码不正确或已失效" in enter(client, head.id_number, code).content.decode()
    for _ in range(3):
        enter(client, head.id_number, wrong)
    # Five wrong entries lock the ID number: even a new code is not sent.
    assert identity.LOCKED in enter(client, head.id_number, code).content.decode()
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert identity.LOCKED in ask(client, head.id_number, "王老汉")
    assert len(RecordingSmsBackend.outbox) == 1
    assert ApplicantSession.objects.count() == 0


def test_an_unknown_id_number_locks_the_same_way():
    client = Client()
    unknown = id_number(dt.date(1961, 2, 2))
    ask(client, unknown, "张三")
    for _ in range(5):
        enter(client, unknown, "123456")
    assert identity.LOCKED in enter(client, unknown, "123456").content.decode()


def test_codes_are_rate_limited(poor_household, django_capture_on_commit_callbacks):
    head = head_of(poor_household)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, head.id_number, "王老汉")
        assert "请60秒后再获取验证码。" in ask(client, head.id_number, "王老汉")
        for _ in range(4):
            OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
            ask(client, head.id_number, "王老汉")
        OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
        assert "获取验证码过于频繁，请1小时后再试。" in ask(client, head.id_number, "王老汉")
    assert len(RecordingSmsBackend.outbox) == 5


def test_sessions_expire_and_end_on_sign_out(poor_household, django_capture_on_commit_callbacks):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    ApplicantSession.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/portal/")["Location"] == "/portal/sign-in/"
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    client.post("/portal/sign-out/")
    assert client.get("/portal/")["Location"] == "/portal/sign-in/"
    assert ApplicantSession.objects.filter(ended_at__isnull=False).count() == 1


def test_code_requests_are_limited_per_address(poor_household):
    client = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(20):
        ask(client, id_number(dt.date(1962, 1, 1 + n)), "张三")
    page = ask(client, id_number(dt.date(1963, 3, 3)), "张三")
    assert "获取验证码过于频繁，请10分钟后再试。" in page
    assert OneTimeCode.objects.count() == 20
