from tests.payments.conftest import other_village, pay_staff, village  # noqa: F401
