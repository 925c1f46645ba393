"""What other apps may follow without the payments app knowing them (the overview's figures
are recomputed when a payroll is locked or its bank results arrive)."""

from django.dispatch import Signal

# Sent after the transaction commits, with `payroll` and `actor`.
payroll_changed = Signal()
