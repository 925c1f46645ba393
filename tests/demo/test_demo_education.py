import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, term_of
from jiuzhu.core.months import first_of_next_month
from jiuzhu.demo.education import seed_demo
from jiuzhu.demo.payrolls import pay_history
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import PayrollLine
from jiuzhu.policy import accessors
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_approves_one_students_aid_and_leaves_one_to_sign():
    run_demo(1200, 5)
    pay_history(1, progress=False)
    made = seed_demo()
    assert (made.opened, made.approved) == (2, 1)
    term = term_of(timezone.localdate())
    approved, waiting = Case.objects.filter(programme="education").order_by("number")
    assert approved.school_term == waiting.school_term == term
    assert (approved.status, waiting.status) == ("in_force", "submitted")
    stage_amount = accessors.education_term_fen(term, approved.school_stage)
    assert int(approved.one_off_amount * 100) == stage_amount
    # The term's amount is paid once, with the next month's payroll of the student's town.
    assistant = approved.events.get(action="accept").actor
    payroll = payments.prepare_payroll(
        assistant, first_of_next_month(timezone.localdate()), assistant.region
    )
    line = PayrollLine.objects.get(payroll=payroll, programme="education")
    assert line.amount_fen == stage_amount
