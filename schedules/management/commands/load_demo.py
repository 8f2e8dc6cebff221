from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schedules import demo


class Command(BaseCommand):
    help = _(
        "Load the demo world: three precincts, the canal zone, a plan, its shifts, "
        "fictional officers and demo logins. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=_(
                "Load even with DEBUG off (it creates logins with a known password)."
            ),
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "Refusing to load demo data with DEBUG off: it creates logins with "
                    "a published password. Use --force if you really mean it."
                ),
                returncode=2,
            )
        result = demo.load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo ready: plan %(plan)s, %(shifts)s shifts, %(a)s assignments.")
                % {
                    "plan": result.plan.code,
                    "shifts": result.shifts,
                    "a": result.assignments,
                }
            )
        )
        self.stdout.write(
            _("Demo logins (password for all: %(pw)s):") % {"pw": demo.DEMO_PASSWORD}
        )
        for username, role in result.logins:
            self.stdout.write(f"  {username:<22} {role}")
