"""Without Redis there is no beat: `manage.py run_periodic` (started by `make run`)
runs the same schedule in-process, so the morning report arrives on a laptop."""

import time_machine
from django.conf import settings
from django.core.management import call_command

from notices.models import Notification, NotificationKind
from outbox import periodic
from patrols.models import MorningReport
from tests.patrols.conftest import NIGHT, wib


def test_run_periodic_sends_the_morning_report_after_the_night(
    shifts, rostered, kapolsek_tambora, capsys
):
    with time_machine.travel(wib(23, 5, 45), tick=False):
        call_command("run_periodic", "--once")

    report = MorningReport.objects.get()
    assert (report.plan, report.night) == (shifts[0].plan, NIGHT)
    assert Notification.objects.filter(
        recipient=kapolsek_tambora, kind=NotificationKind.MORNING_REPORT
    ).exists()
    assert "morning-reports" in capsys.readouterr().out


def test_before_the_night_ends_no_morning_report_is_due(shifts, rostered):
    with time_machine.travel(wib(23, 3, 0), tick=False):
        call_command("run_periodic", "--once")

    assert not MorningReport.objects.exists()


def test_each_job_runs_again_only_once_its_interval_has_passed(shifts):
    last: dict = {}
    schedule = settings.CELERY_BEAT_SCHEDULE
    with time_machine.travel(wib(23, 3, 0), tick=False):
        assert periodic.run_due(last, 1000.0) == list(schedule)
        assert periodic.run_due(last, 1010.0) == []
        every_30 = [n for n, e in schedule.items() if periodic.interval(e) <= 30]
        assert periodic.run_due(last, 1030.0) == every_30
        assert set(periodic.run_due(last, 1300.0)) == {
            n for n, e in schedule.items() if periodic.interval(e) <= 300
        }
