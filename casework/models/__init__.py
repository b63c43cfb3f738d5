"""How things are stored. Import models from here."""

from casework.models.accounts import AdminChange, Invitation, SignInFailure
from casework.models.alerts import Alert, AlertClaim, OutboxMessage
from casework.models.cases import (
    Case,
    CaseAccess,
    CaseCount,
    CaseEvent,
    CaseRead,
    CaseReadTotal,
    Hold,
    SignOff,
)
from casework.models.clocks import Clock
from casework.models.partnerships import Agency, ClosureDay, Partnership
from casework.models.rapid_review import (
    AgencyRequest,
    AgencyRequestEvent,
    AnswerChange,
    PanelMeeting,
    ReturnSubmission,
    SubmissionDocument,
)
from casework.models.users import ApiToken, User
from workflows.roles import ROLES

__all__ = [
    "AgencyRequest",
    "AgencyRequestEvent",
    "AnswerChange",
    "PanelMeeting",
    "ReturnSubmission",
    "SubmissionDocument",
    "AdminChange",
    "Invitation",
    "SignInFailure",
    "ROLES",
    "Agency",
    "Alert",
    "AlertClaim",
    "ApiToken",
    "Case",
    "CaseAccess",
    "CaseEvent",
    "CaseRead",
    "CaseCount",
    "CaseReadTotal",
    "ClosureDay",
    "Clock",
    "Hold",
    "OutboxMessage",
    "Partnership",
    "SignOff",
    "User",
]
