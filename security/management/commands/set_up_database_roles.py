import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from security import database_roles


class Command(BaseCommand):
    help = (
        "Create or update the two PostgreSQL roles: an owner, which owns every "
        "table and runs migrations, and the app role the app connects as, which "
        "may only read and add rows to the audit trail. Run it as a PostgreSQL "
        "superuser (DATABASE_URL), once and after each migration; passwords come "
        "from DATABASE_OWNER_PASSWORD and DATABASE_APP_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="giliran_owner")
        parser.add_argument("--app", default="giliran_app")
        parser.add_argument("--database", default="default")

    def handle(self, *args, owner: str, app: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles need PostgreSQL (DATABASE_URL).")
        try:
            done = database_roles.set_up_roles(
                owner=owner,
                app=app,
                owner_password=os.environ.get("DATABASE_OWNER_PASSWORD") or None,
                app_password=os.environ.get("DATABASE_APP_PASSWORD") or None,
                connection=connection,
            )
        except (DatabaseError, ValueError) as error:
            raise CommandError(f"The roles were not set up: {error}") from None
        protected = (
            "the app role may only read and add audit events"
            if done["audit_table_protected"]
            else "no audit table yet: migrate as the owner, then run this again"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{done['database']}: {done['objects']} objects owned by {owner}; "
                f"{app} may read and write them; {protected}."
            )
        )
