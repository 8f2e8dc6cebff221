"""A plan's rules as a written agreement: proposed, signed by every member, applied.

A plan's rules (members and their order, window, slot length, minimum officers,
rest hours, strategy, validity) change only through a version: a commander of a
member precinct (or an administrator) proposes one; each member precinct, of the
plan as it is and as proposed, signs or refuses it through its commander or the
commander of its Polres. Until every one has signed, the rules in force keep
generating; a refusal ends the version, which never applies. The last signature
applies it and regenerates the coming nights in the same transaction.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit_services
from audit.models import Action
from precincts.models import Precinct
from schedules import nights
from schedules.models import (
    PlanMember,
    PlanSignature,
    PlanVersion,
    RotationPlan,
    SignatureDecision,
    VersionStatus,
)
from schedules.services import decisions, effects, generation

RULE_FIELDS = [
    "window_start",
    "window_end",
    "slot_minutes",
    "min_officers",
    "rest_hours",
    "strategy",
    "valid_from",
    "valid_until",
]


def rules_of(plan: RotationPlan) -> dict:
    """The plan's rules in force, as a version stores them (JSON values)."""
    rules = {
        name: (
            value.isoformat()
            if value is not None and hasattr(value, "isoformat")
            else value
        )
        for name in RULE_FIELDS
        for value in [getattr(plan, name)]
    }
    rules["members"] = list(
        plan.memberships.order_by("position").values_list("precinct_id", flat=True)
    )
    return rules


def _typed(rules: dict) -> dict:
    """A version's rules as model values."""
    out = {}
    for name in RULE_FIELDS:
        value = rules.get(name)
        if name in ("window_start", "window_end") and value:
            value = dt.time.fromisoformat(value)
        elif name in ("valid_from", "valid_until") and value:
            value = dt.date.fromisoformat(value)
        out[name] = value
    return out


def signers_of(version: PlanVersion) -> list[int]:
    """Precincts that must sign: members of the plan now and of the version."""
    now = set(version.plan.memberships.values_list("precinct_id", flat=True))
    return sorted(now | set(version.rules["members"]))


def changes(version: PlanVersion) -> list[tuple[str, object, object]]:
    """(rule, in force, proposed) for each rule the version changes."""
    current = rules_of(version.plan)
    return [
        (name, current.get(name), version.rules.get(name))
        for name in [*RULE_FIELDS, "members"]
        if current.get(name) != version.rules.get(name)
    ]


def _validate(plan: RotationPlan, rules: dict) -> dict:
    members = rules.get("members") or []
    errors = {}
    if len(set(members)) != len(members) or not members:
        errors["members"] = [_("Name each member precinct once.")]
    elif plan.zone.precincts.filter(pk__in=members).count() != len(members):
        errors["members"] = [_("Every member must share the plan's zone.")]
    try:
        typed = _typed(rules)
    except (TypeError, ValueError):
        raise ValidationError(
            {"rules": [_("Give times as HH:MM, dates as YYYY-MM-DD.")]}
        ) from None
    trial = RotationPlan(
        **{
            **{f: getattr(plan, f) for f in ("code", "name", "zone_id", "time_zone")},
            **typed,
        }
    )
    try:
        trial.clean_fields(exclude=["code", "zone"])
        trial.clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return typed


@transaction.atomic
def propose_version(
    *, plan: RotationPlan, rules: dict, by: User, note: str = ""
) -> PlanVersion:
    """Propose new rules for a plan; it applies once every member has signed."""
    members = set(plan.memberships.values_list("precinct_id", flat=True))
    if not access_commands_any(by, members):
        raise PermissionDenied(
            _("Only a commander of a member precinct proposes a new version.")
        )
    rules = {**rules_of(plan), **rules}
    _validate(plan, rules)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = PlanVersion.objects.create(
                plan=plan,
                number=number,
                rules=rules,
                note=decisions.clean_note(note),
                proposed_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"rules": [_("This plan already has a version awaiting signatures.")]}
        ) from None
    audit_services.record(action=Action.CREATE, obj=version, after=rules)
    return version


def access_commands_any(user: User, precinct_ids) -> bool:
    return any(
        decisions.commands(user, precinct)
        for precinct in Precinct.objects.filter(pk__in=list(precinct_ids))
    )


def _lock(version: PlanVersion, precinct: Precinct, by: User) -> PlanVersion:
    locked = (
        PlanVersion.objects.select_for_update()
        .select_related("plan")
        .get(pk=version.pk)
    )
    if locked.status != VersionStatus.PROPOSED:
        raise decisions.AlreadyDecided(
            {
                "version": [
                    _("This version is already %(status)s.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    if precinct.pk not in signers_of(locked):
        raise ValidationError(
            {
                "precinct": [
                    _("%(precinct)s is not a party to this plan.")
                    % {"precinct": precinct}
                ]
            }
        )
    if not decisions.commands(by, precinct):
        raise PermissionDenied(
            _("Only a commander of %(precinct)s (or of its Polres) signs for it.")
            % {"precinct": precinct}
        )
    if locked.signatures.filter(precinct=precinct).exists():
        raise decisions.AlreadyDecided(
            {
                "precinct": [
                    _("%(precinct)s has already answered.") % {"precinct": precinct}
                ]
            }
        )
    return locked


def _signer_label(user: User) -> str:
    officer = getattr(user, "officer", None)
    if officer is not None:
        return f"{officer.get_rank_display()} {officer.name}"[:200]
    return (user.get_full_name() or user.get_username())[:200]


@transaction.atomic
def sign_version(*, version: PlanVersion, precinct: Precinct, by: User) -> PlanVersion:
    """A member precinct signs; the last signature puts the version in force."""
    locked = _lock(version, precinct, by)
    PlanSignature.objects.create(
        version=locked,
        precinct=precinct,
        decision=SignatureDecision.SIGNED,
        signed_by=by,
        signer_label=_signer_label(by),
    )
    audit_services.record(
        action=Action.UPDATE, obj=locked, after={"signed": precinct.code}
    )
    signed = set(
        locked.signatures.filter(decision=SignatureDecision.SIGNED).values_list(
            "precinct_id", flat=True
        )
    )
    if signed >= set(signers_of(locked)):
        _put_in_force(locked)
    return locked


@transaction.atomic
def refuse_version(
    *, version: PlanVersion, precinct: Precinct, by: User, reason: str
) -> PlanVersion:
    """A member precinct refuses, with a reason: the version never applies."""
    reason = decisions.clean_note(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say why the precinct refuses.")]})
    locked = _lock(version, precinct, by)
    PlanSignature.objects.create(
        version=locked,
        precinct=precinct,
        decision=SignatureDecision.REFUSED,
        reason=reason,
        signed_by=by,
        signer_label=_signer_label(by),
    )
    locked.status, locked.decided_at = VersionStatus.REFUSED, timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit_services.record(
        action=Action.UPDATE,
        obj=locked,
        after={"refused": precinct.code, "reason": reason},
    )
    return locked


def _apply_rules(plan: RotationPlan, rules: dict) -> None:
    for name, value in _typed(rules).items():
        setattr(plan, name, value)
    plan.save(update_fields=[*RULE_FIELDS, "updated_at"])
    # Positions are unique per plan: park the old ones out of the way first.
    PlanMember.objects.filter(plan=plan).delete()
    PlanMember.objects.bulk_create(
        PlanMember(plan=plan, precinct_id=pk, position=i + 1)
        for i, pk in enumerate(rules["members"])
    )


def _range(plan: RotationPlan) -> tuple[dt.date, dt.date]:
    tonight = nights.tonight(
        timezone.now(), plan.window_start, plan.window_end, plan.tz
    )
    return tonight, tonight + dt.timedelta(days=plan.horizon_days)


def _put_in_force(version: PlanVersion) -> None:
    plan = RotationPlan.objects.select_for_update().get(pk=version.plan_id)
    PlanVersion.objects.filter(plan=plan, status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.SUPERSEDED
    )
    _apply_rules(plan, version.rules)
    # Every member signed the rules, staffing included: the coming nights follow.
    first, last = _range(plan)
    generation.regenerate_after_change(plan=plan, first=first, last=last)
    version.status, version.decided_at = VersionStatus.IN_FORCE, timezone.now()
    version.save(update_fields=["status", "decided_at"])


@transaction.atomic
def preview_version(*, version: PlanVersion) -> effects.Effect:
    """The coming shifts the version would move if it applied now (a dry run)."""
    plan = RotationPlan.objects.get(pk=version.plan_id)
    first, last = _range(plan)
    return effects.carry_out(
        lambda: _apply_rules(plan, version.rules),
        plans=[plan],
        first=first,
        last=last,
        preview=True,
    )
