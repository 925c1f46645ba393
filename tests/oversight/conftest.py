import pytest

from jiuzhu.core.roles import Role
from tests import factories
from tests.payments.conftest import pay_staff  # noqa: F401  (fixtures)


@pytest.fixture
def ov_staff(dong_e, meigui, dong_e_village):
    """The workflow staff of 东阿镇 and 玫瑰镇 and two county supervisors."""
    county = factories.county()
    return {
        **factories.staff_of(dong_e, meigui, dong_e_village, "ov_"),
        "supervisor": factories.user(
            Role.COUNTY_SUPERVISOR, county, username="ov_supervisor", last_name="赵监督"
        ),
        "supervisor2": factories.user(
            Role.COUNTY_SUPERVISOR, county, username="ov_supervisor2", last_name="钱监督"
        ),
    }
