import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from schedules import rotation, selectors
from schedules.models import Reason, RotationPlan
from schedules.services import generation

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = (
        "Generate a plan's shifts for a range of duty nights and print them, or with "
        "--horizons extend every active plan whose rolling horizon is due (what the "
        "beat task does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="Plan code.")
        parser.add_argument("--start", help="First duty night, YYYY-MM-DD.")
        parser.add_argument("--nights", help="Number of duty nights.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the result; write nothing."
        )
        parser.add_argument(
            "--horizons", action="store_true", help="Extend every due plan."
        )

    def handle(self, *args, plan=None, start=None, nights=None, **options):
        if options["horizons"]:
            for result in generation.extend_horizons():
                self._counts(result)
            return
        if not plan:
            raise _fail("Give --plan CODE (or --horizons).")
        try:
            rotation_plan = RotationPlan.objects.get(code=plan)
        except RotationPlan.DoesNotExist:
            raise _fail(f"No plan with code {plan!r}.") from None
        try:
            first = dt.date.fromisoformat(start) if start else None
        except ValueError:
            raise _fail(f"--start {start!r} is not a date like 2024-01-22.") from None
        try:
            count = int(nights) if nights else None
        except ValueError:
            raise _fail(f"--nights {nights!r} is not a whole number.") from None
        try:
            result = generation.generate_shifts(
                plan=rotation_plan,
                start=first,
                nights=count,
                dry_run=options["dry_run"],
            )
        except ValidationError as exc:
            messages = [m for ms in exc.message_dict.values() for m in ms]
            raise _fail(" ".join(messages)) from None
        self._table(result)
        self._counts(result)

    def _table(self, result: generation.GenerationResult) -> None:
        tz = result.plan.tz
        reasons = dict(Reason.choices)
        decisions = result.decisions
        if result.skipped:
            # Nothing changed since the last run: show what is stored.
            decisions = selectors.stored_decisions(
                plan=result.plan, first=result.first, last=result.last
            )
        self.stdout.write(f"{'night':<11} {'slot':<11} {'precinct':<28} reason")
        for d in decisions:
            start = timezone.localtime(d.start, tz)
            end = timezone.localtime(d.end, tz)
            holder = result.names.get(d.member, "-") if d.member else "UNCOVERED"
            why = str(reasons.get(d.reason, d.reason))
            if d.substitute_for and d.reason != rotation.TURN:
                why += f" ({result.names.get(d.substitute_for, '?')}"
                why += f", {d.cause})" if d.cause else ")"
            if d.frozen:
                why += " [kept]"
            self.stdout.write(
                f"{d.night.isoformat():<11} {start:%H:%M}-{end:%H:%M}  "
                f"{holder:<28} {why}"
            )

    def _counts(self, result: generation.GenerationResult) -> None:
        prefix = "dry run: " if result.dry_run else ""
        self.stdout.write(
            f"{prefix}{result.plan.code} {result.first}..{result.last}: "
            f"{result.created} created, {result.changed} changed, "
            f"{result.unchanged} unchanged, {result.removed} removed, "
            f"{len(result.uncovered)} uncovered"
        )
