"""The payments tests' staff, for the payroll equivalence test."""

from tests.payments.conftest import pay_staff  # noqa: F401
