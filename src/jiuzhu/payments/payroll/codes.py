"""The small integer codes the payroll's columns use for text values, and the column type."""

import enum

import numpy as np
import numpy.typing as npt

from jiuzhu.cases.models import RecipientStatus
from jiuzhu.core.programmes import Programme
from jiuzhu.payments.models import LineKind

I64 = npt.NDArray[np.int64]

# A recipient's programme is coded by its position in this list.
PROGRAMMES = list(Programme.values)


class StatusCode(enum.IntEnum):
    """A recipient's status as read into the status column."""

    ACTIVE = 0
    PHASE_OUT = 1
    SUSPENDED = 2
    ENDED = 3


STATUS_CODES = {
    RecipientStatus.ACTIVE.value: StatusCode.ACTIVE,
    RecipientStatus.PHASE_OUT.value: StatusCode.PHASE_OUT,
    RecipientStatus.SUSPENDED.value: StatusCode.SUSPENDED,
    RecipientStatus.ENDED.value: StatusCode.ENDED,
}


class KindCode(enum.IntEnum):
    """A line's kind as computed in the kind column (index into KINDS)."""

    REGULAR = 0
    ARREARS = 1
    REISSUE = 2


KINDS = [LineKind.REGULAR, LineKind.ARREARS, LineKind.REISSUE]
