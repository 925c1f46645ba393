"""Security headers Django's own SecurityMiddleware does not send, and the Chinese error pages.

- Content-Security-Policy: every script, style, image and font comes from this site (htmx is
  vendored under static/, its inline indicator style is turned off in base.html), nothing is
  framed, forms post only here. Permissions-Policy turns off the browser features the
  platform never uses; Cross-Origin-Resource-Policy keeps pages from being embedded elsewhere.
- Error pages: Django renders templates/400.html, 403.html, 404.html and 500.html itself when
  DEBUG is off; `csrf_failure` is the CSRF_FAILURE_VIEW. With DEBUG on (the demo of `make
  run`) `ErrorPagesMiddleware` shows the same pages for errors raised by views, unless
  JIUZHU_TECHNICAL_ERRORS asks for Django's technical pages.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger("django.request")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# Django renders 403.html itself even with DEBUG on; these it shows as a debug page then.
_BAD_REQUESTS = (BadRequest, SuspiciousOperation, MultiPartParserError)

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """Adds the CSP, Permissions-Policy and cross-origin headers to every response (a view
    that sets its own Content-Security-Policy keeps it)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


# A signed-in session's idle timeout (settings.SESSION_COOKIE_AGE) is renewed at most this
# often: each renewal is a write to the sessions table.
SESSION_RENEW_SECONDS = 60
_RENEWED_AT = "renewed_at"


class SessionRenewalMiddleware:
    """Keeps a signed-in session alive while it is used: it ends JIUZHU_IDLE_MINUTES after the
    last request (within SESSION_RENEW_SECONDS). Saving the session at every request
    (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE and a commit per page, and without vacuum
    between them a busy sessions table bloats."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get(SESSION_KEY) is not None:  # signed in; visitors get no session row
            now = int(time.time())
            if now - session.get(_RENEWED_AT, 0) >= SESSION_RENEW_SECONDS:
                session[_RENEWED_AT] = now  # modified: saved with a new expiry
        return self.get_response(request)


class ErrorPagesMiddleware:
    """With DEBUG on, a view's Http404 or unhandled error still gets the Chinese page (the
    demo is served with DEBUG on); JIUZHU_TECHNICAL_ERRORS=1 brings Django's debug pages back.
    With DEBUG off Django's own handlers already render the templates: this does nothing."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or getattr(settings, "JIUZHU_TECHNICAL_ERRORS", False):
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied) or request.path.startswith("/api/"):
            return None  # the API answers its errors in JSON (core/rest/errors.py)
        if isinstance(exception, _BAD_REQUESTS):
            logging.getLogger("django.security").warning("Bad request: %s", exception)
            return defaults.bad_request(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a Chinese page saying what to do (the reason goes to the log only)."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return HttpResponse(
        render_to_string("403_csrf.html", request=request), status=403, content_type="text/html"
    )
