"""The schedules app's models, one module per concept, all importable from here."""

from schedules.models.changes import ShiftChange, ShiftDeparture, ShiftSnapshot
from schedules.models.plans import (
    PlanMember,
    RotationPlan,
    Strategy,
    validate_time_zone,
)
from schedules.models.requests import (
    Blackout,
    BlackoutCategory,
    BlackoutQuerySet,
    Request,
    RequestStatus,
    SwapKind,
    SwapRequest,
)
from schedules.models.shifts import (
    Assignment,
    AssignmentRole,
    Reason,
    Shift,
    ShiftQuerySet,
    ShiftStatus,
)
from schedules.models.versions import (
    PlanSignature,
    PlanVersion,
    SignatureDecision,
    VersionStatus,
)

__all__ = [
    "Assignment",
    "AssignmentRole",
    "Blackout",
    "BlackoutCategory",
    "BlackoutQuerySet",
    "PlanMember",
    "PlanSignature",
    "PlanVersion",
    "Reason",
    "Request",
    "RequestStatus",
    "RotationPlan",
    "Shift",
    "ShiftChange",
    "ShiftDeparture",
    "ShiftQuerySet",
    "ShiftSnapshot",
    "ShiftStatus",
    "SignatureDecision",
    "Strategy",
    "SwapKind",
    "SwapRequest",
    "VersionStatus",
    "validate_time_zone",
]
