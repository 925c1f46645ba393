import pytest

from jiuzhu.cases.models import Recipient
from jiuzhu.demo.care import seed_demo
from jiuzhu.demo.payrolls import pay_history
from jiuzhu.registry.care.models import (
    CareArrangement,
    CareInstitution,
    ChildHardship,
    SelfCareAssessment,
)
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_care_pages():
    run_demo(1200, 5)
    pay_history(1, progress=False)
    made = seed_demo(5)
    assert (made.assessed, made.children) == (6, 3)
    assert SelfCareAssessment.objects.count() == 6
    assert made.institutions == CareInstitution.objects.count() >= 2
    assert CareArrangement.objects.filter(mode="institutional").count() >= 2
    assert sorted(ChildHardship.objects.values_list("category", flat=True)) == [
        "de_facto",
        "de_facto",
        "orphan",
    ]
    children = Recipient.objects.filter(programme="children")
    # 1,865 dispersed twice and 2,785 in the institution (the 2024 standards).
    assert sorted(str(r.monthly_amount) for r in children) == ["1865.00", "1865.00", "2785.00"]
    # Each assessed tekun recipient is reviewed: the amount follows the recorded level.
    for assessment in SelfCareAssessment.objects.all():
        recipient = Recipient.objects.get(person=assessment.person, programme="tekun")
        assert recipient.case.events.filter(action="review").exists()
