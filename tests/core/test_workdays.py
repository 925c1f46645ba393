import datetime as dt

import pytest

from jiuzhu.core import services
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import WorkingDayOverride
from jiuzhu.core.workdays import Calendar, add_working_days, working_days_between
from tests.conftest import client_for

D = dt.date


def test_weekdays_weekends_and_official_holidays():
    calendar = Calendar(overrides={})
    assert calendar.is_working_day(D(2025, 12, 1))  # Monday
    assert not calendar.is_working_day(D(2025, 12, 6))  # Saturday
    assert not calendar.is_working_day(D(2025, 10, 1))  # National Day
    assert not calendar.is_working_day(D(2026, 2, 17))  # Spring Festival


def test_weekend_make_up_days_are_working_days():
    calendar = Calendar(overrides={})
    assert calendar.is_working_day(D(2025, 9, 28))  # Sunday worked before National Day 2025
    assert calendar.is_working_day(D(2025, 10, 11))  # Saturday worked after it
    assert calendar.is_working_day(D(2026, 2, 14))  # Saturday before Spring Festival 2026


def test_fifteen_working_days_across_national_day_2025():
    calendar = Calendar(overrides={})
    # Accepted Friday 2025-09-26: 28 Sep (Sun, make-up), 29-30 Sep count; 1-8 Oct are off;
    # 9-11 Oct count (11 Oct a make-up Saturday), then 13-17 and 20-23 Oct.
    due = calendar.add_working_days(D(2025, 9, 26), 15)
    assert due == D(2025, 10, 23)
    assert calendar.working_days_between(D(2025, 9, 26), due) == 15


def test_count_is_antisymmetric_and_zero_on_same_day():
    calendar = Calendar(overrides={})
    assert calendar.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert calendar.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5
    assert calendar.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2026, 3, 2), -1)


@pytest.mark.django_db
def test_administrator_override_for_a_newly_announced_year(county_admin):
    day = D(2027, 3, 9)  # an ordinary Tuesday the State Council turns into a day off
    assert add_working_days(D(2027, 3, 5), 3) == D(2027, 3, 10)
    services.set_working_day_override(county_admin, day, False, "国办发明电〔2026〕X号")
    assert not Calendar().is_working_day(day)
    assert add_working_days(D(2027, 3, 5), 3) == D(2027, 3, 11)
    assert working_days_between(D(2027, 3, 8), D(2027, 3, 10)) == 1


@pytest.mark.django_db
def test_only_administrators_enter_overrides(dong_e_assistant):
    with pytest.raises(PermissionError):
        services.set_working_day_override(dong_e_assistant, D(2027, 1, 4), False, "x")
    assert not WorkingDayOverride.objects.exists()


@pytest.mark.django_db
def test_override_needs_a_source(county_admin):
    with pytest.raises(DomainError, match="依据"):
        services.set_working_day_override(county_admin, D(2027, 1, 4), False, "  ")
    assert not WorkingDayOverride.objects.exists()


@pytest.mark.django_db
def test_calendar_page_for_admin_and_404_for_others(county_admin, dong_e_assistant):
    admin = client_for(county_admin)
    response = admin.post(
        "/core/calendar/", {"date": "2027-02-06", "is_working_day": "1", "note": "调休上班"}
    )
    assert response.status_code == 302
    assert WorkingDayOverride.objects.get().is_working_day
    assert "调休上班" in admin.get("/core/calendar/?year=2027").content.decode()
    assert client_for(dong_e_assistant).get("/core/calendar/").status_code == 404
