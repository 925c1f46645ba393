"""Demo cases for the generated households: recipients in force and applications under way.

Run after the households are written. Amounts come from the policy's column formulas over
the registry (policy.batch reads it set-based, policy.formulas computes in fen), with the
parameters in force this month; deadlines from the official calendar and the policy's
procedure parameters. Rows are built as columns and written through the cases app's bulk
writer (jiuzhu.cases.bulk), which numbers the cases and computes the recipients' review
class and members covered with the same rules as the services.

One module per step: mix (what is drawn from), generate (which households get which case),
schedule (dates), history (events), write (columns → cases.bulk); days and plans hold what
they share.

Dates are relative to the real today (the case lists count deadlines from it), so a demo
loaded today shows overdue and due-soon cases; the same seed on the same day and registry
gives the same cases.

What is made, per 100 new households roughly: 5-7 recipients in force (dibao households,
and a few elderly people living alone supported as tekun), and one open application spread
over submitted / accepted / investigating / community review / deciding / notice, some of
them overdue or due within three working days, some with advance aid (先行救助).
"""

from jiuzhu.demo.cases.generate import generate_cases
from jiuzhu.demo.cases.plans import CaseLoadResult

__all__ = ["CaseLoadResult", "generate_cases"]
