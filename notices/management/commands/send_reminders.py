import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices import reminders


class Command(BaseCommand):
    help = (
        "Send the reminders that are due: short rosters tonight to duty officers, "
        "and shifts starting soon to officers (what the beat tasks do)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="Act as if it were this ISO 8601 instant (with offset)."
        )

    def handle(self, *args, at=None, **options):
        try:
            when = dt.datetime.fromisoformat(at) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"--at: {exc}") from exc
        if timezone.is_naive(when):
            raise CommandError("--at needs an offset, e.g. 2024-01-22T20:00:00+07:00")
        rosters = reminders.send_roster_reminders(at=when)
        shifts = reminders.send_shift_reminders(at=when)
        self.stdout.write(
            f"{len(rosters)} roster reminder(s), {len(shifts)} shift reminder(s) sent."
        )
