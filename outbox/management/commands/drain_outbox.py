from django.core.management.base import BaseCommand, CommandError

from outbox import runs, services


class Command(BaseCommand):
    help = (
        "Send again the tracked runs whose worker died, send the pending outbox "
        "messages and delete old sent ones (what the beat task does)."
    )

    def handle(self, *args, **options):
        recovered = runs.recover_lost_runs()
        result = services.drain()
        self.stdout.write(
            f"{len(recovered)} lost run(s) sent again; {result.sent} message(s) sent, "
            f"{result.waiting} waiting, {result.failed} given up."
        )
        purged = services.purge_sent() + runs.purge_finished()
        self.stdout.write(f"{purged} old sent message(s) and finished run(s) deleted.")
        if result.broker_down:
            raise CommandError("The broker did not answer; pending messages wait.")
