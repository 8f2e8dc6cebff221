import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patrols import services
from schedules.models import RotationPlan


class Command(BaseCommand):
    help = (
        "Build and send the morning reports that are due (what the beat task does), "
        "or rebuild one plan's report for a given night."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="Act as if it were this ISO 8601 instant (with offset)."
        )
        parser.add_argument("--plan", help="Plan code, with --night: rebuild one.")
        parser.add_argument("--night", type=dt.date.fromisoformat)

    def handle(self, *args, at=None, plan=None, night=None, **options):
        try:
            when = dt.datetime.fromisoformat(at) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"--at: {exc}") from exc
        if timezone.is_naive(when):
            raise CommandError("--at needs an offset, e.g. 2024-01-23T05:30:00+07:00")
        if bool(plan) != bool(night):
            raise CommandError("--plan and --night go together.")
        if plan:
            try:
                rotation_plan = RotationPlan.objects.get(code=plan)
            except RotationPlan.DoesNotExist as exc:
                raise CommandError(f"No plan with code {plan!r}.") from exc
            report = services.build_morning_report(
                plan=rotation_plan, night=night, at=when, rebuild=True
            )
            sent = services.send_morning_report(report=report)
            self.stdout.write(f"{report}: {len(sent)} notification(s) sent.")
            return
        reports = services.send_morning_reports(at=when)
        for report in reports:
            self.stdout.write(str(report))
        self.stdout.write(f"{len(reports)} morning report(s) due.")
