import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import ParameterSet, value_at

pytestmark = pytest.mark.django_db
D = dt.date


def test_value_in_force_on_a_date():
    assert value_at("dibao.standard.urban", D(2019, 4, 1)) == Decimal("685.00")
    assert value_at("dibao.standard.urban", D(2020, 3, 31)) == Decimal("685.00")
    # The day the new standard takes effect.
    assert value_at("dibao.standard.urban", D(2020, 4, 1)) == Decimal("740.00")
    assert value_at("dibao.standard.rural", D(2019, 6, 1)) == Decimal("456.67")


def test_no_value_in_force_is_a_chinese_error():
    with pytest.raises(DomainError, match="没有生效的参数"):
        value_at("dibao.standard.urban", D(2019, 3, 31))
    with pytest.raises(DomainError, match="没有生效的参数"):
        ParameterSet.load(D(2010, 1, 1))["dibao.standard.rural"]


def test_constraints_and_deadlines_are_dated():
    assert value_at("constraint.urban_rural_max_ratio", D(2020, 6, 1)) == Decimal("1.4")
    assert value_at("constraint.urban_rural_max_ratio", D(2021, 9, 29)) == Decimal("1.4")
    assert value_at("constraint.urban_rural_max_ratio", D(2021, 9, 30)) == Decimal("1.3")
    assert value_at("constraint.urban_rural_max_ratio", D(2024, 12, 31)) == Decimal("1")
    assert value_at("procedure.decision_working_days", D(2026, 1, 5)) == 15
    assert value_at("procedure.advance_aid_hours", D(2026, 1, 5)) == 24
    assert value_at("procedure.notice_days", D(2026, 1, 5)) == 7


def test_defaults_say_so():
    for key in ("dibao.minimum_share", "asset.financial_months", "elderly.subsidy"):
        row = Parameter.objects.filter(key=key).latest("effective_from")
        assert "默认值，待县里确认" in row.source


def test_parameter_set_records_what_was_read():
    ps = ParameterSet.load(D(2026, 12, 1))
    assert ps.fen("dibao.standard.rural") == 49400
    assert set(ps.used) == {"dibao.standard.rural"}
    assert ps.used["dibao.standard.rural"].effective_from == D(2020, 4, 1)


def test_every_shipped_parameter_is_described():
    """The parameters page lists and types keys through SPECS: none may be missing from it."""
    from jiuzhu.policy.parameters import SPECS

    assert set(Parameter.objects.values_list("key", flat=True)) <= set(SPECS)
    assert value_at("funds.allocation.weight.recipients", D(2026, 1, 1)) == Decimal("0.6")
    assert value_at("payments.arrears_max_months", D(2026, 1, 1)) == 12
