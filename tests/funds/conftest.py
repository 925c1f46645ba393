from tests.payments.conftest import pay_staff  # noqa: F401
