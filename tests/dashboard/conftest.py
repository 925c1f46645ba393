"""The payments tests' fixtures, for the overview built on their payrolls."""

from tests.payments.conftest import pay_staff  # noqa: F401  (fixture)
