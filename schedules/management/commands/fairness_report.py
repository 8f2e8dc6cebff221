import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from schedules import nights as night_math
from schedules import selectors
from schedules.models import RotationPlan

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = (
        "Print a plan's fairness over a range of duty nights: minutes and hours held "
        "per precinct, substitutions, and the ledger balance."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="Plan code.")
        parser.add_argument("--start", help="First duty night (default: tonight).")
        parser.add_argument("--nights", help="Number of nights (default: 28).")

    def handle(self, *args, plan, start=None, nights=None, **options):
        try:
            rotation_plan = RotationPlan.objects.get(code=plan)
        except RotationPlan.DoesNotExist:
            raise _fail(f"No plan with code {plan!r}.") from None
        try:
            first = (
                dt.date.fromisoformat(start)
                if start
                else night_math.tonight(
                    timezone.now(),
                    rotation_plan.window_start,
                    rotation_plan.window_end,
                    rotation_plan.tz,
                )
            )
        except ValueError:
            raise _fail(f"--start {start!r} is not a date like 2024-01-22.") from None
        try:
            count = int(nights) if nights else 28
        except ValueError:
            raise _fail(f"--nights {nights!r} is not a whole number.") from None
        if count < 1:
            raise _fail("--nights must be at least 1.")
        last = first + dt.timedelta(days=count - 1)
        report = selectors.fairness_report(plan=rotation_plan, first=first, last=last)
        slots = len(report.members[0].positions) if report.members else 0
        header = " ".join(f"s{s:<3}" for s in range(slots))
        self.stdout.write(f"{rotation_plan.code} {first}..{last}")
        self.stdout.write(
            f"{'precinct':<28} {'minutes':>7} {header} "
            f"{'subst':>5} {'recvd':>5} {'repaid':>6} {'balance':>7}"
        )
        for m in report.members:
            cells = " ".join(f"{n:<4}" for n in m.positions)
            self.stdout.write(
                f"{m.name:<28} {m.minutes:>7} {cells} {m.substitutions_given:>5} "
                f"{m.substitutions_received:>5} {m.repayments_made:>6} "
                f"{m.balance:>+7}"
            )
        worst = ", ".join(
            f"s{slot}={spread}" for slot, spread in report.metrics.position_spreads
        )
        self.stdout.write(
            f"minute spread {report.minute_spread}; position spreads {worst}; "
            f"uncovered {report.uncovered}"
        )
