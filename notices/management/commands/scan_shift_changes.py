from django.core.management.base import BaseCommand

from notices import changes


class Command(BaseCommand):
    help = (
        "Compare every shift not yet over with what its people were last told, and "
        "send change notices (what the beat task does)."
    )

    def handle(self, *args, **options):
        sent = changes.scan_shift_changes()
        self.stdout.write(f"{len(sent)} change notice(s) sent.")
