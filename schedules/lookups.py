"""`<foreign key>__any_of=[ids]`: on PostgreSQL `column = ANY(%s)`, the ids as one
array parameter rather than one placeholder each. The statement's text then does
not change with the number of ids, so PostgreSQL keeps it prepared (see
DATABASE_PREPARED_STATEMENTS in config/settings.py) and plans it once. A plain IN
elsewhere. Registered on the keys the hot paths read by many ids (the API's
rosters, the generator's inputs: SchedulesConfig.ready())."""

from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        # Primary keys read from the database a moment ago: ints, nothing to prepare.
        return [int(pk) for pk in self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def register() -> None:
    from schedules.models import Assignment, Blackout, PlanMember, RotationPlan, Shift

    for model, name in [
        (Assignment, "shift"),
        (Shift, "plan"),
        (PlanMember, "plan"),
        (Blackout, "precinct"),
        (RotationPlan, "id"),
    ]:
        model._meta.get_field(name).register_lookup(AnyOf)
