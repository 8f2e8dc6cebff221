"""The night board and coverage as the API shows them (nights/, coverage/)."""

from rest_framework import serializers

from api.serializers import PrecinctSerializer, ShiftSerializer
from precincts.models import Rank
from schedules.models import (
    AssignmentRole,
    Reason,
    ShiftStatus,
)


class BoardOfficerSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.ChoiceField(choices=Rank.choices)
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    phone = serializers.CharField(allow_blank=True)


class BoardShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    precinct = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=ShiftStatus.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    substitute_for = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    locked = serializers.BooleanField()
    officer_count = serializers.IntegerField()
    officers = BoardOfficerSerializer(
        many=True, allow_null=True, help_text="Null when personnel is not visible."
    )
    short_by = serializers.IntegerField(
        help_text="Officers missing to reach the plan's minimum."
    )
    uncovered = serializers.BooleanField()
    can_edit = serializers.BooleanField()


class BoardSlotSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    shift = BoardShiftSerializer(allow_null=True)


class BoardPlanSerializer(serializers.Serializer):
    plan = serializers.CharField()
    name = serializers.CharField()
    zone = serializers.CharField()
    night = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    short_count = serializers.IntegerField()
    uncovered_count = serializers.IntegerField()
    slots = BoardSlotSerializer(many=True)


class NightBoardSerializer(serializers.Serializer):
    # No "now" in the body: the same night must give the same ETag.
    night = serializers.DateField(allow_null=True)
    plans = BoardPlanSerializer(many=True)


def board_dict(board) -> dict:
    def shift(s):
        if s is None:
            return None
        return {
            "id": s.id,
            "precinct": s.precinct.code if s.precinct else None,
            "status": s.status,
            "reason": s.reason,
            "substitute_for": s.substitute_for.code if s.substitute_for else None,
            "version": s.version,
            "locked": s.locked,
            "officer_count": s.officer_count,
            "officers": (
                None
                if s.officers is None
                else [
                    {
                        "nrp": o.nrp,
                        "name": o.name,
                        "rank": o.rank,
                        "role": o.role,
                        "phone": o.phone,
                    }
                    for o in s.officers
                ]
            ),
            "short_by": s.short_by,
            "uncovered": s.uncovered,
            "can_edit": s.can_edit,
        }

    return {
        "night": board.night.isoformat() if board.night else None,
        "plans": [
            {
                "plan": p.plan.code,
                "name": p.plan.name,
                "zone": p.plan.zone.code,
                "night": p.night.isoformat(),
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "short_count": p.short_count,
                "uncovered_count": p.uncovered_count,
                "slots": [
                    {
                        "index": slot.index,
                        "start": slot.start.isoformat(),
                        "end": slot.end.isoformat(),
                        "shift": shift(slot.shift),
                    }
                    for slot in p.slots
                ],
            }
            for p in board.plans
        ],
    }


class CoverageHolderSerializer(serializers.Serializer):
    shift = serializers.IntegerField()
    precinct = serializers.CharField(
        allow_null=True, help_text="Precinct code; null when uncovered."
    )
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    zone = serializers.CharField()
    plan = serializers.CharField()
    at = serializers.DateTimeField()
    covered = serializers.BooleanField(
        help_text="Whether a precinct holds the zone at that instant."
    )
    precinct = PrecinctSerializer(allow_null=True)
    shift = ShiftSerializer(allow_null=True)
    holders = CoverageHolderSerializer(
        many=True,
        help_text="With from= and to=: every shift of the plan over the range, in "
        "time order; empty otherwise.",
    )
