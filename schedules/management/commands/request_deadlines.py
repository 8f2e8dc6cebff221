from django.core.management.base import BaseCommand

from schedules.services import deadlines


class Command(BaseCommand):
    help = (
        "Escalate blackouts and swaps still undecided shortly before their shift "
        "(plan setting, default 12 hours) and expire those whose shift has started. "
        "Beat runs it every 5 minutes (schedules.request_deadlines)."
    )

    def handle(self, *args, **options):
        expired, escalated = deadlines.run_deadlines()
        self.stdout.write(f"expired: {expired}, escalated: {escalated}")
