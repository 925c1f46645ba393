"""The column formulas agree with the plain one-household reference implementation."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.policy import formulas as f
from jiuzhu.policy.household import AssetIn, HouseholdIn, IncomeIn, MemberIn, to_columns
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.policy.reference import reference
from jiuzhu.registry.models import DisabilityCategory, IncomeCategory

pytestmark = pytest.mark.django_db

members = st.builds(
    MemberIn,
    age=st.integers(0, 100),
    disability_grade=st.integers(0, 4),
    disability_category=st.sampled_from(DisabilityCategory.values),
    serious_illness=st.booleans(),
    labour_capacity=st.sampled_from(["full", "partial", "none"]),
    counted=st.integers(0, 9).map(lambda x: x > 0),
    public_payroll=st.integers(0, 19).map(lambda x: x == 0),
    adl_unable=st.integers(0, 6),
    has_supporter=st.booleans(),
    institutional=st.booleans(),
    orphan=st.integers(0, 9).map(lambda x: x == 0),
    tekun_member=st.integers(0, 9).map(lambda x: x == 0),
)


@st.composite
def households(draw):
    ms = draw(st.lists(members, min_size=1, max_size=6))
    n = len(ms)
    incomes = draw(
        st.lists(
            st.builds(
                IncomeIn,
                category=st.sampled_from(IncomeCategory.values),
                monthly_fen=st.integers(0, 300_000),
                member=st.one_of(st.none(), st.integers(0, n - 1)),
            ),
            max_size=5,
        )
    )
    assets = draw(
        st.lists(
            st.builds(
                AssetIn,
                kind=st.sampled_from(["vehicle", "house", "deposit", "securities", "business"]),
                quantity=st.integers(0, 2),
                value_fen=st.integers(0, 20_000_000),
            ),
            max_size=3,
        )
    )
    return HouseholdIn(
        month=dt.date(2026, 12, 1),
        area_type=draw(st.sampled_from(["urban", "rural"])),
        members=ms,
        incomes=incomes,
        assets=assets,
        registered_poor=draw(st.booleans()),
        dibao_recipient=draw(st.booleans()),
        months_above_line=draw(st.integers(0, 14)),
        previous_amount_fen=draw(st.integers(0, 200_000)),
    )


@pytest.fixture(scope="module")
def params(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return f.Params.from_set(ParameterSet.load(dt.date(2026, 12, 1)))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(households(), min_size=1, max_size=8))
def test_columns_agree_with_reference(params, batch):
    h, p = to_columns(batch, params)
    out = f.compute(h, p, params)
    start = 0
    for i, one in enumerate(batch):
        ref = reference(one, params)
        assert int(out.means.countable[i]) == ref.countable
        assert bool(out.means.income_ok[i]) == ref.income_ok
        assert (int(out.means.asset_fail[i]) == 0) == ref.assets_ok
        assert int(out.dibao.amount[i]) == ref.dibao_amount
        m = len(one.members)
        assert [int(x) for x in out.tekun.amount[start : start + m]] == ref.tekun_amounts
        start += m
    assert (out.dibao.amount >= 0).all()
