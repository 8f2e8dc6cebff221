import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from patrols import services
from patrols.models import (
    CheckInKind,
    Incident,
    IncidentCategory,
    PatrolReport,
    ReportStatus,
    RevisionAction,
)
from precincts.models import Role
from tests import factories
from tests.patrols.conftest import wib


@pytest.fixture
def checked_in(shifts, rostered, officer_tambora, piket_tambora):
    """Andi arrived 23:55 and left 02:00; Budi arrived late at 00:10 on slot 0."""
    andi, budi = rostered["andi"], rostered["budi"]
    with time_machine.travel(wib(23, 0, 30), tick=False):
        services.check_in(
            shift=shifts[0],
            officer=andi,
            kind=CheckInKind.ARRIVE,
            by=piket_tambora,
            at=wib(22, 23, 55),
        )
        services.check_in(
            shift=shifts[0],
            officer=budi,
            kind=CheckInKind.ARRIVE,
            by=piket_tambora,
            at=wib(23, 0, 10),
        )
    with time_machine.travel(wib(23, 2, 0), tick=False):
        services.check_in(
            shift=shifts[1], officer=andi, kind=CheckInKind.LEAVE, by=officer_tambora
        )
    return rostered


def _submit(shift, by, **kwargs):
    with time_machine.travel(wib(23, 6, 0), tick=False):
        return services.submit_report(shift=shift, by=by, **kwargs)


def test_leader_submits_a_report_prefilled_from_check_ins(
    shifts, checked_in, officer_tambora
):
    report = _submit(shifts[0], officer_tambora, summary="Quiet.")
    assert report.status == ReportStatus.SUBMITTED
    assert set(report.present.all()) == {checked_in["andi"], checked_in["budi"]}
    assert report.started_at == wib(23, 0, 0)
    assert report.ended_at == wib(23, 1, 0)
    revision = report.revisions.get()
    assert revision.action == RevisionAction.SUBMITTED
    assert revision.snapshot["summary"] == "Quiet."


def test_duty_officer_of_the_precinct_may_report_but_others_may_not(
    shifts, checked_in, piket_tambora, piket_gambir, kapolsek_tambora
):
    member = factories.make_staff("budi", Role.OFFICER, precinct=shifts[0].precinct)
    checked_in["budi"].user = member
    checked_in["budi"].save()
    for outsider in (member, piket_gambir, kapolsek_tambora):
        with pytest.raises(PermissionDenied):
            _submit(shifts[0], outsider)
    assert _submit(shifts[0], piket_tambora).author == piket_tambora


def test_a_shift_has_one_report(shifts, checked_in, officer_tambora, piket_tambora):
    _submit(shifts[0], officer_tambora)
    with pytest.raises(ValidationError) as error:
        _submit(shifts[0], piket_tambora)
    assert "shift" in error.value.message_dict


def test_no_report_before_the_shift_starts(shifts, rostered, officer_tambora):
    with (
        time_machine.travel(wib(22, 23, 0), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        services.submit_report(shift=shifts[0], by=officer_tambora)
    assert "shift" in error.value.message_dict


def test_report_times_must_be_ordered_and_overlap_the_shift(
    shifts, checked_in, officer_tambora
):
    with pytest.raises(ValidationError) as error:
        _submit(
            shifts[0],
            officer_tambora,
            started_at=wib(23, 0, 30),
            ended_at=wib(23, 0, 10),
        )
    assert "ended_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        _submit(
            shifts[0],
            officer_tambora,
            started_at=wib(23, 3, 0),
            ended_at=wib(23, 4, 0),
        )
    assert not PatrolReport.objects.exists()


def test_a_bad_incident_saves_nothing_and_names_the_incident(
    shifts, checked_in, officer_tambora
):
    incidents = [
        {
            "category": IncidentCategory.BRAWL_PREVENTED,
            "occurred_at": wib(23, 0, 20),
            "people_involved": 12,
        },
        {"category": "riot", "occurred_at": wib(23, 3, 0), "people_involved": -1},
    ]
    with pytest.raises(ValidationError) as error:
        _submit(shifts[0], officer_tambora, incidents=incidents)
    messages = " ".join(error.value.message_dict["incidents"])
    assert "Incident 2" in messages
    assert "Incident 1" not in messages
    # Fields are named as people read them, not by their code names.
    assert "people involved" in messages
    assert "people_involved" not in messages
    assert not PatrolReport.objects.exists()
    assert not Incident.objects.exists()


def test_corrections_before_acknowledgement_keep_every_version(
    shifts, checked_in, officer_tambora, piket_tambora
):
    report = _submit(shifts[0], officer_tambora, summary="Quiet.")
    with time_machine.travel(wib(23, 7, 0), tick=False):
        services.correct_report(
            report=report,
            by=piket_tambora,
            summary="Quiet; one group sent home.",
            note="added detail",
            expected_version=1,
        )
        services.add_incident(
            report=report,
            by=officer_tambora,
            category=IncidentCategory.CROWD_DISPERSED,
            occurred_at=wib(23, 0, 40),
            people_involved=8,
        )
    report.refresh_from_db()
    assert report.version == 3
    revisions = list(report.revisions.order_by("version"))
    assert [r.action for r in revisions] == ["submitted", "corrected", "corrected"]
    assert revisions[1].changes["summary"] == ["Quiet.", "Quiet; one group sent home."]
    assert revisions[1].changed_by == piket_tambora
    assert len(revisions[2].snapshot["incidents"]) == 1
    assert revisions[0].snapshot["summary"] == "Quiet."


def test_a_stale_version_is_refused(shifts, checked_in, officer_tambora):
    report = _submit(shifts[0], officer_tambora)
    with time_machine.travel(wib(23, 7, 0), tick=False):
        services.correct_report(report=report, by=officer_tambora, summary="One")
        with pytest.raises(ValidationError) as error:
            services.correct_report(
                report=report, by=officer_tambora, summary="Two", expected_version=1
            )
    assert "version" in error.value.message_dict


def test_only_a_commander_of_the_precinct_acknowledges(
    shifts, checked_in, officer_tambora, piket_tambora, kapolres_jakbar, jakpus
):
    report = _submit(shifts[0], officer_tambora)
    kapolres_jakpus = factories.make_staff(
        "kapolres.jakpus", Role.COMMANDER, command=jakpus
    )
    for not_allowed in (piket_tambora, officer_tambora, kapolres_jakpus):
        with pytest.raises(PermissionDenied):
            services.acknowledge_report(report=report, by=not_allowed)
    with time_machine.travel(wib(23, 8, 0), tick=False):
        services.acknowledge_report(report=report, by=kapolres_jakbar)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.acknowledged_at == wib(23, 8, 0)
    with pytest.raises(ValidationError):
        services.acknowledge_report(report=report, by=kapolres_jakbar)


def test_after_acknowledgement_only_a_commander_may_correct(
    shifts, checked_in, officer_tambora, piket_tambora, kapolsek_tambora
):
    report = _submit(shifts[0], officer_tambora, summary="Quiet.")
    incident = services.add_incident(
        report=report,
        by=officer_tambora,
        category=IncidentCategory.OTHER,
        occurred_at=wib(23, 0, 30),
    )
    services.acknowledge_report(report=report, by=kapolsek_tambora)
    with time_machine.travel(wib(23, 9, 0), tick=False):
        for writer in (officer_tambora, piket_tambora):
            with pytest.raises(ValidationError) as error:
                services.correct_report(report=report, by=writer, summary="Edited")
            assert "acknowledged" in str(error.value)
            with pytest.raises(ValidationError):
                services.remove_incident(incident=incident, by=writer)
        services.correct_incident(
            incident=incident,
            by=kapolsek_tambora,
            people_involved=3,
            note="count from the CCTV",
        )
        services.correct_report(report=report, by=kapolsek_tambora, summary="Fixed")
    report.refresh_from_db()
    assert report.summary == "Fixed"
    assert report.status == ReportStatus.ACKNOWLEDGED
    last = report.revisions.order_by("-version").first()
    assert last.changed_by == kapolsek_tambora
    assert report.revisions.count() == 5  # submit, incident, ack, 2 corrections


def test_correcting_an_incident_checks_its_fields(shifts, checked_in, officer_tambora):
    report = _submit(shifts[0], officer_tambora)
    incident = services.add_incident(
        report=report,
        by=officer_tambora,
        category=IncidentCategory.ARREST,
        occurred_at=wib(23, 0, 30),
        people_involved=1,
    )
    with pytest.raises(ValidationError) as error:
        services.correct_incident(
            incident=incident, by=officer_tambora, weapons_seized=-2
        )
    assert "weapons_seized" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.correct_incident(incident=incident, by=officer_tambora, colour="red")
    assert "colour" in error.value.message_dict
    incident.refresh_from_db()
    assert incident.weapons_seized == 0
