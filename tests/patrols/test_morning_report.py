import pytest
import time_machine
from django.core.management import call_command

from notices.models import Notification, NotificationKind
from patrols import services, tasks
from patrols.models import CheckInKind, IncidentCategory, MorningReport
from precincts.models import Role
from schedules.models import ShiftStatus
from tests import factories
from tests.patrols.conftest import NIGHT, wib


@pytest.fixture
def commanders(kapolres_jakbar, kapolsek_tambora, jakpus):
    kapolres_jakpus = factories.make_staff(
        "kapolres.jakpus", Role.COMMANDER, command=jakpus
    )
    return {kapolres_jakbar, kapolsek_tambora, kapolres_jakpus}


@pytest.fixture
def eventful_night(shifts, rostered, piket_tambora, officer_tambora):
    """Andi on time, Budi 10 minutes late and never checked out, Citra absent;
    one report (slot 0) with one incident."""
    andi, budi = rostered["andi"], rostered["budi"]

    def record(shift, officer, kind, at, by=piket_tambora):
        with time_machine.travel(at, tick=False):
            services.check_in(shift=shift, officer=officer, kind=kind, by=by)

    record(shifts[0], andi, CheckInKind.ARRIVE, wib(22, 23, 55), by=officer_tambora)
    record(shifts[0], budi, CheckInKind.ARRIVE, wib(23, 0, 10))
    record(shifts[1], andi, CheckInKind.LEAVE, wib(23, 2, 0), by=officer_tambora)
    with time_machine.travel(wib(23, 2, 5), tick=False):
        services.submit_report(
            shift=shifts[0],
            by=officer_tambora,
            summary="Two groups gathered at the bridge.",
            incidents=[
                {
                    "category": IncidentCategory.BRAWL_PREVENTED,
                    "occurred_at": wib(23, 0, 35),
                    "people_involved": 20,
                    "weapons_seized": 2,
                    "latitude": -6.1456,
                    "longitude": 106.8011,
                }
            ],
        )
    return shifts


def test_morning_report_is_due_at_the_plans_time_after_the_night(plan):
    assert services.morning_report_due(plan, wib(23, 5, 29)) is None
    assert services.morning_report_due(plan, wib(23, 5, 30)) == NIGHT
    plan.morning_report_time = plan.morning_report_time.replace(hour=7)
    plan.save()
    assert services.morning_report_due(plan, wib(23, 6, 59)) is None


def test_morning_report_figures(plan, eventful_night, commanders):
    report = services.build_morning_report(plan=plan, night=NIGHT, at=wib(23, 5, 30))
    data = report.data
    assert data["punctuality"] == {
        "rostered": 5,
        "on_time": 3,
        "late": 1,
        "absent": 1,
        "on_time_percent": 60,
        "by_precinct": {
            "tambora": {"on_time": 3, "late": 1, "absent": 0},
            "tanjung-duren": {"on_time": 0, "late": 0, "absent": 1},
        },
    }
    budi = next(o for o in data["slots"][0]["officers"] if o["name"] == "Budi")
    assert (budi["arrival"], budi["minutes_late"]) == ("late", 10)
    assert [e["slot"] for e in data["empty_posts"]] == [2, 3, 4]
    assert data["empty_posts"][0]["empty_minutes"] == 45
    assert [m["slot"] for m in data["missing_reports"]] == [1, 2, 3, 4]
    [incident] = data["incidents"]
    assert incident["category"] == "brawl_prevented"
    assert incident["weapons_seized"] == 2
    assert incident["occurred_at"] == "2024-01-23T00:35:00+07:00"
    assert [s["precinct"]["code"] for s in data["slots"]] == [
        "tambora",
        "tambora",
        "tanjung-duren",
        "gambir",
        "tanjung-duren",
    ]
    assert [h["status"] for h in data["handovers"]] == ["not_arrived"] * 3
    assert (report.empty_post_count, report.late_count, report.absent_count) == (
        3,
        1,
        1,
    )
    assert (report.incident_count, report.missing_report_count) == (1, 4)


def test_task_running_twice_stores_one_report_and_mails_each_commander_once(
    plan, eventful_night, commanders, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with (
            time_machine.travel(wib(23, 5, 35), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.send_morning_reports.delay()
    assert MorningReport.objects.count() == 1
    notified = Notification.objects.filter(kind=NotificationKind.MORNING_REPORT)
    assert {n.recipient for n in notified} == commanders
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in commanders)
    assert "Empty posts: 3" in mailoutbox[0].body


def test_nothing_is_sent_before_the_report_time(
    plan, eventful_night, commanders, mailoutbox
):
    with time_machine.travel(wib(23, 5, 0), tick=False):
        assert services.send_morning_reports() == []
    assert not MorningReport.objects.exists()


def test_command_rebuilds_one_nights_report(
    plan, eventful_night, commanders, officer_tambora
):
    with time_machine.travel(wib(23, 5, 30), tick=False):
        call_command("send_morning_reports", "--at", "2024-01-23T05:30:00+07:00")
    report = MorningReport.objects.get()
    assert report.missing_report_count == 4
    with time_machine.travel(wib(23, 9, 0), tick=False):
        services.submit_report(shift=eventful_night[1], by=officer_tambora)
        call_command(
            "send_morning_reports", "--plan", plan.code, "--night", "2024-01-22"
        )
    report.refresh_from_db()
    assert report.missing_report_count == 3
    assert Notification.objects.count() == 3


def test_an_uncovered_slot_counts_as_an_empty_post_without_a_handover(
    plan, shifts, rostered
):
    shifts[3].precinct = None
    shifts[3].status = ShiftStatus.UNCOVERED
    shifts[3].save()
    report = services.build_morning_report(plan=plan, night=NIGHT, at=wib(23, 5, 30))
    slot = report.data["slots"][3]
    assert slot["precinct"] is None
    assert slot["post_empty"]
    assert [m["slot"] for m in report.data["missing_reports"]] == [0, 1, 2, 4]
    assert [h["to"] for h in report.data["handovers"]] == ["tanjung-duren"]


def test_the_morning_report_page_names_an_incidents_precinct_not_its_code(
    client, plan, eventful_night, kapolsek_tambora
):
    report = services.build_morning_report(plan=plan, night=NIGHT, at=wib(23, 5, 30))
    client.force_login(kapolsek_tambora)

    html = client.get(f"/night/morning/{report.pk}/").content.decode()

    incidents = html[html.index('class="incident-view"') :]
    assert "Polsek Tambora" in incidents.split("</h3>")[0]
    assert "· tambora<" not in incidents
