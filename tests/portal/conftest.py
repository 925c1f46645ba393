from tests.cases.conftest import poor_household, staff  # noqa: F401  (fixtures)
