"""The term's education-aid proposals: the town ticks the students it confirms."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.cases.models import SchoolStage, term_label, term_of
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_accesses
from jiuzhu.outreach import education
from jiuzhu.outreach.views.common import PAGE

SHOWN = 500  # a town's list; the rest after these are confirmed


def _term(text: str) -> dt.date:
    """The term asked for (its first day), else the current one."""
    try:
        return term_of(dt.date.fromisoformat(text))
    except ValueError:
        return term_of(timezone.localdate())


@login_required
@require_http_methods(["GET", "POST"])
def education_proposals(request: HttpRequest) -> HttpResponse:
    """Students of the area's tekun, dibao and edge households without education aid for
    the term; the town confirms some, and their applications are opened."""
    user = require_page(request, Capability.EDIT_HOUSEHOLDS)
    term = _term(request.POST.get("term") or request.GET.get("term", ""))
    if request.method == "POST":
        picked = {
            int(pk): request.POST.get(f"stage_{pk}", "")
            for pk in request.POST.getlist("pick")
            if pk.isdigit()
        }
        with refusals_shown(request):
            opened = education.confirm(user, term, picked)
            messages.success(
                request, f"已为{len(opened)}名学生登记{term_label(term)}教育救助申请。"
            )
        return redirect(f"{request.path}?term={term.isoformat()}")
    found = education.proposals(user, term)
    shown = found[:SHOWN]
    log_accesses(user, PAGE, "person", [(p.person_id, p.household_id) for p in shown], request)
    return render(
        request,
        "outreach/education.html",
        {
            "term": term,
            "term_name": term_label(term),
            "terms": [(t, term_label(t)) for t in _nearby_terms(term_of(timezone.localdate()))],
            "proposals": shown,
            "more": len(found) - len(shown),
            "stages": SchoolStage.choices[1:],
        },
    )


def _nearby_terms(current: dt.date) -> list[dt.date]:
    """The current term and the two before it."""
    terms = [current]
    for _ in range(2):
        terms.append(term_of(terms[-1] - dt.timedelta(days=1)))
    return terms
