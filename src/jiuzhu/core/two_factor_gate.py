"""Holds back a signed-in user whose second step is due (core/two_factor.py).

Until the session is verified such a user reaches only the pages that finish signing in:
the code step (when they have an authenticator), enrolment and the password change (when
they must enrol and have none yet), and logout. Every other page redirects there; the API
answers 403 to their session. API requests carrying a token pass: tokens are issued only to
verified sessions of these users (``two_factor.may_issue_token``).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from jiuzhu.core.models import User
from jiuzhu.core.two_factor import has_two_factors, second_step_due

SECOND_STEP_FIRST = "请先在网页上完成两步验证登录。"

ALWAYS_OPEN = {"login", "logout"}
OPEN_WITH_AUTHENTICATOR = {"core:two_factor_verify"}
OPEN_WHILE_ENROLLING = {"core:two_factor_enrol", "core:password_change"}

Handler = Callable[[HttpRequest], HttpResponse]


def _url_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


class TwoFactorGateMiddleware:
    """After django-otp's OTPMiddleware: redirect (pages) or refuse (API) every request of a
    session whose second step is due, except to the pages that finish it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not second_step_due(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # A token request is the token's to answer (a wrong token is refused, never
            # taken for the session); any other header would fall back to the session.
            scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
            if scheme.lower() == "token":
                return self.get_response(request)
            return JsonResponse({"detail": SECOND_STEP_FIRST}, status=403)
        user = request.user
        assert isinstance(user, User)
        enrolled = has_two_factors(user)
        name = _url_name(request.path_info)
        open_names = ALWAYS_OPEN | (OPEN_WITH_AUTHENTICATOR if enrolled else OPEN_WHILE_ENROLLING)
        if name in open_names:
            return self.get_response(request)
        target = reverse("core:two_factor_verify" if enrolled else "core:two_factor_enrol")
        if request.method == "GET" and name not in {"home", ""}:
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
