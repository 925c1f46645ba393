"""The payroll computation: set-based reads, column arithmetic, one bulk write.

One code path for one recipient and a million, in four modules: `reading` (set-based reads of
each recipient with its payee's name, ID number and valid account, as columns),
`amounts` (month amounts, arrears and recoveries as column arithmetic), `writing` (the
lines go back in one COPY or one executemany straight into the lines table) and `guard`
(the insert guard lifted for that load). `rules` holds one month's parameters and `codes`
the integer codes of the columns. services.prepare_payroll runs them in that order.

Rules (documented here, parameters in policy `payments.*`):
- The amount is the recipient's monthly amount as decided by the policy engine at the
  decision, the last review or a confirmed re-pricing after a new standard
  (Recipient.monthly_amount, cases/repricing.py); the line's reason says "按审核确认金额".
- A recipient is in the payroll for month M when start_month ≤ last day of M, end_month
  (exclusive: termination sets the first month not paid) is after the 1st of M, and it is
  not suspended. Suspended: nothing that month, and no back pay for it.
- First and last month: a decision starts on the 1st of the month after approval and a
  termination ends on the 1st of the next month, so both are full months. When a start or
  end date falls inside a month and `payments.prorate_by_days` is 1, the month is paid by
  days (start day counted, end day not), rounded half up to the fen.
- Phase-out: paid up to and including the month of phase_out_until, tapered by
  `dibao.phase_out_taper` (percent for the 1st, 2nd … month of the phase-out; the monthly
  amount recorded at the start of the phase-out is the 1st month's).
- Arrears: a recipient whose start month is before the current month and who is missing
  from an approved payroll of the same town for a month they were entitled to (a decision
  that came late) gets one itemised line per missed month, at that month's rules, at most
  `payments.arrears_max_months` back.
- A new standard confirmed after its effective month (cases/repricing.py): the recipient's
  amount is already the new one; the difference for the months paid at the old amount is
  one arrears line for the effective month ("补发：新标准自生效月份起的差额"), paid once.
- Recoveries: open claims of the household are netted against its lines, at most the
  claim's instalment per payroll and never below zero.
"""

from jiuzhu.payments.payroll.amounts import (
    Amounts,
    Lines,
    OpenClaim,
    compute_lines,
    month_amounts,
    net_recoveries,
    totals,
)
from jiuzhu.payments.payroll.codes import KINDS, PROGRAMMES, STATUS_CODES, KindCode, StatusCode
from jiuzhu.payments.payroll.guard import INSERT_GUARD, insert_guard_lifted
from jiuzhu.payments.payroll.reading import (
    DETAIL_COLUMNS,
    RECIPIENT_NUMBERS,
    Arrears,
    Recipients,
    StandardArrears,
    arrears_sql,
    read_arrears,
    read_recipients,
    read_standard_arrears,
    recipients_sql,
)
from jiuzhu.payments.payroll.rules import Rules
from jiuzhu.payments.payroll.writing import mark_standard_arrears_paid, write_lines

__all__ = [
    "DETAIL_COLUMNS",
    "INSERT_GUARD",
    "KINDS",
    "PROGRAMMES",
    "RECIPIENT_NUMBERS",
    "STATUS_CODES",
    "Amounts",
    "Arrears",
    "KindCode",
    "Lines",
    "OpenClaim",
    "Recipients",
    "Rules",
    "StandardArrears",
    "StatusCode",
    "arrears_sql",
    "compute_lines",
    "insert_guard_lifted",
    "mark_standard_arrears_paid",
    "month_amounts",
    "net_recoveries",
    "read_arrears",
    "read_recipients",
    "read_standard_arrears",
    "recipients_sql",
    "totals",
    "write_lines",
]
