"""Production settings (issue 19): security headers, a weak secret refused, Chinese error
pages with DEBUG off and on, and `jiuzhu check --deploy` clean."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from jiuzhu.core.security import CONTENT_SECURITY_POLICY
from tests.conftest import OTHER_DATA_KEY, TEST_DATA_KEY, client_for

STRONG_SECRET = "Vq3xR9mZ2kLp7TcW8nYb4HsJ6dFg1QeU5aNo0iKrXyC-jiuzhu-strong"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        JIUZHU_DATA_DIR=str(tmp_path),
        JIUZHU_SECRET_KEY=STRONG_SECRET,
        JIUZHU_ALLOWED_HOSTS="jiuzhu.example.gov.cn",
        JIUZHU_DATA_KEYS=f"p1:{OTHER_DATA_KEY}",
        JIUZHU_SEARCH_KEY=TEST_DATA_KEY,
        PYTHONPATH=SRC,
    )
    env.update(extra)
    return env


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import jiuzhu.settings"], env=env, capture_output=True, text=True
    )


@pytest.mark.django_db
def test_a_page_carries_the_security_headers():
    response = Client().get("/login/", secure=True)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Cookies are sent over HTTPS only.
    assert response.cookies["csrftoken"]["secure"] is True


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(county_admin):
    """The CSP refuses inline code: the login and home pages use static files only, and
    htmx is told not to insert its inline indicator style."""
    for page in (Client().get("/login/"), client_for(county_admin).get("/")):
        html = page.content.decode()
        assert " style=" not in html and "<style" not in html
        assert html.count("<script") == html.count('<script src="/static/')
        assert '"includeIndicatorStyles": false' in html


def test_no_template_has_inline_code():
    """The CSP (script-src/style-src 'self') blocks inline handlers, styles and scripts: no
    template may carry one (the notice board's filters submit through app.js)."""
    inline = re.compile(r"""\son[a-z]+\s*=|\sstyle\s*=|<style|<script(?![^>]*\ssrc=)|javascript:""")
    found = [
        f"{path.relative_to(SRC)}: {match.group(0).strip()}"
        for path in sorted(Path(SRC).glob("jiuzhu/**/templates/**/*.html"))
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("a" * 50, "只含 1 种不同字符，至少需要 12 种"),
        ("ab" * 40, "只含 2 种不同字符，至少需要 12 种"),
        ("Vq3xR9mZ2kLp7TcW", "长度只有 16 个字符，至少需要 50 个"),
        ("django-insecure-" + "Vq3xR9mZ2kLp7TcW8nYb4HsJ6dFg1QeU5aNo0iKrXyC", "开发用或示例密钥"),
    ],
)
def test_a_weak_secret_is_refused_with_a_clear_message(tmp_path, secret, why):
    result = _import_settings(_production_env(tmp_path, JIUZHU_SECRET_KEY=secret))
    assert result.returncode != 0
    assert "JIUZHU_SECRET_KEY 不安全：" in result.stderr
    assert why in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_a_random_secret_is_accepted(tmp_path):
    assert _import_settings(_production_env(tmp_path)).returncode == 0


def test_debug_allows_the_development_secret(tmp_path):
    env = _production_env(tmp_path, JIUZHU_DEBUG="1")
    del env["JIUZHU_SECRET_KEY"]
    assert _import_settings(env).returncode == 0


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = "tests.core.error_urls"


def _page(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_chinese_404_page(settings, county_admin, debug):
    settings.DEBUG = debug
    # A view's own 404 (another town's household, a missing id) …
    page = client_for(county_admin).get("/households/999999/")
    assert page.status_code == 404
    assert "页面不存在（404）" in _page(page)
    assert "您要找的页面不存在，或者不在您的管辖范围内。" in _page(page)
    assert "Page not found" not in _page(page)


@pytest.mark.django_db
def test_chinese_404_page_for_an_unknown_address(county_admin):
    page = client_for(county_admin).get("/no-such-page/")
    assert page.status_code == 404
    assert "页面不存在（404）" in _page(page)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_chinese_403_and_400_pages(settings, error_urls, county_admin, debug):
    settings.DEBUG = debug
    client = client_for(county_admin)
    forbidden = client.get("/test-errors/forbidden/")
    assert forbidden.status_code == 403
    assert "无权访问（403）" in _page(forbidden)
    assert "您的账号没有办理此事项的权限。" in _page(forbidden)
    bad = client.get("/test-errors/suspicious/")
    assert bad.status_code == 400
    assert "请求有误（400）" in _page(bad)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_chinese_500_page(settings, error_urls, debug):
    settings.DEBUG = debug
    page = Client(raise_request_exception=False).get("/test-errors/broken/")
    assert page.status_code == 500
    assert "系统出错（500）" in _page(page)
    assert "您的操作没有完成" in _page(page)
    assert "Traceback" not in _page(page) and "boom" not in _page(page)


@pytest.mark.django_db
def test_technical_pages_only_when_asked(settings, error_urls):
    settings.DEBUG = True
    settings.JIUZHU_TECHNICAL_ERRORS = True
    with pytest.raises(RuntimeError):
        Client().get("/test-errors/broken/")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_chinese_csrf_failure_page(settings, debug):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    page = client.post("/login/", {"username": "x", "password": "y"})
    assert page.status_code == 403
    assert "页面已过期，请刷新后重新提交（403）" in _page(page)
    assert "CSRF" not in _page(page)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jiuzhu", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
