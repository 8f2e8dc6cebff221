import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from schedules import selectors
from schedules.models import Blackout, RequestStatus
from schedules.services import generation

WIB = ZoneInfo("Asia/Jakarta")
BEFORE = dt.datetime(2024, 1, 1, 12, 0, tzinfo=WIB)


@pytest.mark.django_db
def test_fairness_report_shows_equal_hours_over_whole_cycles(plan):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=30, now=BEFORE)

    report = selectors.fairness_report(
        plan=plan, first=plan.valid_from, last=dt.date(2024, 2, 20)
    )

    assert [m.name for m in report.members] == [
        "Polsek Tambora",
        "Polsek Tanjung Duren",
        "Polsek Gambir",
    ]
    for member in report.members:
        assert member.minutes == 30 * 5 * 60 // 3
        assert member.positions == [10] * 5
        assert member.balance == 0
        assert member.substitutions_given == member.substitutions_received == 0
    assert report.minute_spread == 0
    assert report.uncovered == 0


@pytest.mark.django_db
def test_fairness_report_counts_substitutions_and_the_open_debt(plan, tambora, gambir):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=30, now=BEFORE)
    Blackout.objects.create(
        precinct=gambir,
        start=dt.datetime(2024, 1, 25, 0, 0, tzinfo=WIB),
        end=dt.datetime(2024, 1, 25, 5, 0, tzinfo=WIB),
        reason="Operasi",
        status=RequestStatus.APPROVED,
    )
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=30, now=BEFORE)

    # Up to the blackout night: Gambir owes the hours it missed.
    report = selectors.fairness_report(
        plan=plan, first=plan.valid_from, last=dt.date(2024, 1, 24)
    )
    rows = {m.precinct_id: m for m in report.members}
    missed = rows[gambir.pk].substitutions_received
    assert missed == 2
    assert rows[gambir.pk].balance == -60 * missed
    assert sum(m.substitutions_given for m in report.members) == missed
    assert sum(m.balance for m in report.members) == 0

    # Over the whole month the debt is repaid.
    month = selectors.fairness_report(
        plan=plan, first=plan.valid_from, last=dt.date(2024, 2, 20)
    )
    assert {m.balance for m in month.members} == {0}
    assert month.minute_spread == 0


@pytest.mark.django_db
def test_fairness_command_prints_a_row_per_precinct(plan):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=6, now=BEFORE)
    out = io.StringIO()

    call_command(
        "fairness_report", plan="bkb-malam", start="2024-01-22", nights="6", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert lines[0] == "bkb-malam 2024-01-22..2024-01-27"
    assert lines[2].split()[:4] == ["Polsek", "Tambora", "600", "2"]
    assert lines[-1].startswith("minute spread 0;")


@pytest.mark.django_db
def test_fairness_command_rejects_a_bad_plan_with_exit_code_2(plan):
    with pytest.raises(CommandError) as error:
        call_command("fairness_report", plan="nope")
    assert error.value.returncode == 2
