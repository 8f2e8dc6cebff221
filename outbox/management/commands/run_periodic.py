import contextlib

from django.core.management.base import BaseCommand

from outbox import periodic


class Command(BaseCommand):
    help = (
        "Run the beat schedule in this process (reminders, the morning report, "
        "generation, the outbox): for running without Redis, as `make run` does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run every job once, then stop."
        )
        parser.add_argument(
            "--tick", type=float, default=15.0, help="Seconds between checks."
        )

    def handle(self, *args, once=False, tick=15.0, **options):
        if once:
            ran = periodic.run_due({}, 0.0)
            self.stdout.write(f"{len(ran)} periodic job(s) run: {', '.join(ran)}")
            return
        self.stdout.write("Running the periodic jobs in-process (Ctrl-C stops).")
        with contextlib.suppress(KeyboardInterrupt):
            periodic.run_forever(tick=tick)
