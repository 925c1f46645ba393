"""What the demo tests share: one fixed day, and `jiuzhu demo` run with its output."""

import datetime as dt
import io

from django.core.management import call_command

AS_OF = dt.date(2026, 6, 30)  # ages are computed on this day, so a seed gives one county


def run_demo(households: int, seed: int = 5, *flags: str) -> str:
    """`jiuzhu demo` for `households` households on AS_OF; returns what it printed. Without
    a --paid-months flag no payrolls are paid (tests/demo/test_demo_payrolls.py pays them)."""
    if not any(flag.startswith("--paid-months") for flag in flags):
        flags = (*flags, "--paid-months=0")
    out = io.StringIO()
    call_command(
        "demo",
        f"--households={households}",
        f"--seed={seed}",
        f"--as-of={AS_OF.isoformat()}",
        "--no-progress",
        *flags,
        stdout=out,
    )
    return out.getvalue()
