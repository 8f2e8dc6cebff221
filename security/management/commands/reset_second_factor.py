from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from security import mfa


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator and recovery codes (a lost phone), for when "
        "no administrator can log in to do it in the admin. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        if not mfa.reset_second_factor(user=user, by=None):
            self.stdout.write(f"{username} had no two-factor login; nothing removed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor login of {username} removed: they set it up again at "
                "their next login if their role requires it."
            )
        )
