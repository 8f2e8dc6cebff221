"""The night's pages: check-in, on-behalf check-ins, reports, morning reports."""

import pytest
import time_machine
from django.urls import reverse

from patrols import services
from patrols.models import CheckIn, CheckInKind, PatrolReport, ReportStatus
from tests import factories
from tests.patrols.conftest import NIGHT, wib

CHECKIN = reverse("patrols:checkin")


@pytest.fixture
def during_slot_0():
    with time_machine.travel(wib(23, 0, 20), tick=False):
        yield


@pytest.fixture
def morning():
    with time_machine.travel(wib(23, 6, 0), tick=False):
        yield


def _post_checkin(client, shift, kind, **extra):
    data = {"shift": shift.pk, "kind": kind, "latitude": "", "longitude": ""}
    data.update(extra)
    return client.post(CHECKIN, data)


# --- check-in --------------------------------------------------------------------


def test_an_officer_sees_one_big_arrive_button_on_their_current_shift(
    client, shifts, rostered, officer_tambora, during_slot_0, django_assert_num_queries
):
    client.force_login(officer_tambora)

    with django_assert_num_queries(6):
        response = client.get(CHECKIN, headers={"accept-language": "en"})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["current"].shift == shifts[0]
    assert 'name="kind" value="arrive"' in page
    assert "I am at the post" in page


def test_an_officer_checks_in_with_location_then_the_button_says_leaving(
    client, shifts, rostered, officer_tambora, during_slot_0
):
    client.force_login(officer_tambora)

    response = _post_checkin(
        client,
        shifts[0],
        "arrive",
        latitude="-6.143210",
        longitude="106.801234",
        accuracy_m="12.4",
    )

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.officer, checkin.kind, checkin.on_behalf) == (
        rostered["andi"],
        CheckInKind.ARRIVE,
        False,
    )
    assert str(checkin.latitude) == "-6.143210"
    assert checkin.accuracy_m == 12
    page = client.get(CHECKIN, headers={"accept-language": "en"}).content.decode()
    assert "I am leaving" in page
    assert 'name="kind" value="leave"' in page


def test_a_check_in_without_location_is_recorded(
    client, shifts, rostered, officer_tambora, during_slot_0
):
    client.force_login(officer_tambora)

    response = _post_checkin(client, shifts[0], "arrive", accuracy_m="")

    assert response.status_code == 302
    assert CheckIn.objects.get().latitude is None


def test_a_second_arrival_is_a_clear_error_not_a_crash(
    client, shifts, rostered, officer_tambora, during_slot_0
):
    client.force_login(officer_tambora)
    _post_checkin(client, shifts[0], "arrive")

    response = _post_checkin(client, shifts[0], "arrive")

    assert response.status_code == 400
    assert "already at the post" in response.content.decode()
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "north"), ("latitude", "91"), ("accuracy_m", "-3"), ("kind", "x")],
)
def test_bad_check_in_fields_are_form_errors(
    client, shifts, rostered, officer_tambora, during_slot_0, field, value
):
    client.force_login(officer_tambora)

    data = {"shift": shifts[0].pk, "kind": "arrive", "longitude": "106.8"}
    data[field] = value
    response = client.post(CHECKIN, data)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert not CheckIn.objects.exists()


def test_an_officer_cannot_check_in_on_a_shift_that_is_not_theirs(
    client, shifts, rostered, officer_tambora, during_slot_0
):
    client.force_login(officer_tambora)

    response = _post_checkin(client, shifts[3], "arrive")

    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_outside_the_check_in_window_the_page_says_so(
    client, shifts, rostered, officer_tambora
):
    client.force_login(officer_tambora)
    with time_machine.travel(wib(22, 20, 0), tick=False):
        page = client.get(CHECKIN, headers={"accept-language": "en"})
        response = _post_checkin(client, shifts[0], "arrive")

    assert "no shift open for check-in now" in page.content.decode()
    assert response.status_code == 400
    assert "Check-ins for this shift are open from 23:30" in response.content.decode()


def test_a_login_without_an_officer_record_cannot_post_a_check_in(
    client, shifts, kapolsek_tambora, during_slot_0
):
    client.force_login(kapolsek_tambora)

    assert _post_checkin(client, shifts[0], "arrive").status_code == 403


# --- on behalf -------------------------------------------------------------------


def test_the_duty_officer_records_a_check_in_for_an_officer_without_a_phone(
    client, shifts, rostered, piket_tambora, during_slot_0, django_assert_num_queries
):
    client.force_login(piket_tambora)
    url = reverse("patrols:shift_checkins", args=[shifts[0].pk])
    listed = client.get(CHECKIN)
    assert shifts[0] in listed.context["open_shifts"]

    response = client.post(
        url, {"officer": rostered["budi"].pk, "kind": "arrive", "at": "00:05"}
    )

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.on_behalf
    assert checkin.at == wib(23, 0, 5)
    with django_assert_num_queries(10):
        page = client.get(url, headers={"accept-language": "en"})
    assert "Budi" in page.content.decode()
    assert "at the post since 00:05" in page.content.decode()


def test_an_on_behalf_check_in_in_the_future_is_a_field_error(
    client, shifts, rostered, piket_tambora, during_slot_0
):
    client.force_login(piket_tambora)
    url = reverse("patrols:shift_checkins", args=[shifts[0].pk])

    response = client.post(
        url, {"officer": rostered["budi"].pk, "kind": "arrive", "at": "00:50"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["at"]
    assert not CheckIn.objects.exists()


def test_an_officer_off_the_roster_is_not_a_choice(
    client, shifts, rostered, piket_tambora, during_slot_0
):
    client.force_login(piket_tambora)
    url = reverse("patrols:shift_checkins", args=[shifts[0].pk])

    response = client.post(url, {"officer": rostered["citra"].pk, "kind": "arrive"})

    assert response.status_code == 400
    assert "officer" in response.context["form"].errors


def test_other_precincts_and_officers_cannot_record_on_behalf(
    client, shifts, rostered, piket_gambir, officer_tambora, during_slot_0
):
    url = reverse("patrols:shift_checkins", args=[shifts[0].pk])
    client.force_login(piket_gambir)
    assert client.get(url).status_code == 403
    client.force_login(officer_tambora)
    assert client.get(url).status_code == 403


# --- reports -----------------------------------------------------------------------


@pytest.fixture
def arrived(shifts, rostered, piket_tambora):
    with time_machine.travel(wib(23, 0, 30), tick=False):
        for officer in (rostered["andi"], rostered["budi"]):
            services.check_in(
                shift=shifts[0],
                officer=officer,
                kind=CheckInKind.ARRIVE,
                by=piket_tambora,
                at=wib(22, 23, 58),
            )
    return rostered


def _report_data(**overrides):
    data = {
        "started_at": "23:58",
        "ended_at": "01:00",
        "summary": "Two groups dispersed.",
        "incidents-TOTAL_FORMS": "2",
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "50",
        "incidents-0-category": "crowd_dispersed",
        "incidents-0-occurred_at": "00:40",
        "incidents-0-people_involved": "25",
        "incidents-0-weapons_seized": "2",
        "incidents-0-description": "Near the bridge.",
        "incidents-0-latitude": "-6.1432",
        "incidents-0-longitude": "106.8012",
        "incidents-1-category": "",
        "incidents-1-occurred_at": "",
        "incidents-1-people_involved": "0",
        "incidents-1-weapons_seized": "0",
    }
    data.update(overrides)
    return data


def test_the_report_form_is_prefilled_from_check_ins(
    client, shifts, arrived, officer_tambora, morning, django_assert_num_queries
):
    client.force_login(officer_tambora)
    url = reverse("patrols:report_new", args=[shifts[0].pk])

    with django_assert_num_queries(10):
        response = client.get(url)

    form = response.context["form"]
    assert response.status_code == 200
    # Presence before the shift's start is not patrol time.
    assert form.initial["started_at"] == "00:00"
    assert form.initial["ended_at"] == "01:00"
    assert set(form.initial["present"]) == {arrived["andi"].pk, arrived["budi"].pk}


def test_the_leader_files_a_report_with_an_incident_across_midnight(
    client, shifts, arrived, officer_tambora, morning
):
    client.force_login(officer_tambora)
    url = reverse("patrols:report_new", args=[shifts[0].pk])

    response = client.post(
        url, _report_data(present=[arrived["andi"].pk, arrived["budi"].pk])
    )

    report = PatrolReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patrols:report", args=[report.pk])
    assert (report.started_at, report.ended_at) == (wib(22, 23, 58), wib(23, 1, 0))
    incident = report.incidents.get()
    assert incident.occurred_at == wib(23, 0, 40)
    assert (incident.people_involved, incident.weapons_seized) == (25, 2)
    assert str(incident.latitude) == "-6.143200"
    assert client.get(url)["Location"] == reverse("patrols:report", args=[report.pk])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"incidents-0-occurred_at": "03:00"}, "during the patrol"),
        ({"ended_at": "23:00"}, "must end after it starts"),
        ({"incidents-0-people_involved": "-1"}, "greater than or equal to 0"),
        ({"incidents-0-category": "riot"}, "Select a valid choice"),
        ({"started_at": "25:00"}, "Enter a valid time"),
        ({"incidents-0-latitude": "", "incidents-0-longitude": "106.8"}, "both"),
    ],
)
def test_report_mistakes_are_shown_and_nothing_is_saved(
    client, shifts, arrived, officer_tambora, morning, overrides, message
):
    client.force_login(officer_tambora)
    url = reverse("patrols:report_new", args=[shifts[0].pk])

    response = client.post(
        url, _report_data(**overrides), headers={"accept-language": "en"}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PatrolReport.objects.exists()


def test_a_member_who_is_not_the_leader_cannot_open_the_report_form(
    client, shifts, arrived, officer_tambora, morning
):
    shifts[0].assignments.filter(officer=arrived["andi"]).update(role="member")
    client.force_login(officer_tambora)

    response = client.get(reverse("patrols:report_new", args=[shifts[0].pk]))

    assert response.status_code == 403


@pytest.fixture
def report(shifts, arrived, officer_tambora, morning):
    return services.submit_report(
        shift=shifts[0],
        by=officer_tambora,
        summary="Quiet.",
        incidents=[
            {
                "category": "brawl_prevented",
                "occurred_at": wib(23, 0, 30),
                "people_involved": 10,
            }
        ],
    )


def _correction(report, **overrides):
    incident = report.incidents.get()
    data = {
        "started_at": "23:58",
        "ended_at": "01:00",
        "summary": "Quiet, one group sent home.",
        "present": [o.pk for o in report.present.all()],
        "note": "Typo",
        "version": str(report.version),
        "incidents-TOTAL_FORMS": "2",
        "incidents-INITIAL_FORMS": "1",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "50",
        "incidents-0-id": str(incident.pk),
        "incidents-0-category": "brawl_prevented",
        "incidents-0-occurred_at": "00:30",
        "incidents-0-people_involved": "12",
        "incidents-0-weapons_seized": "0",
        "incidents-1-category": "arrest",
        "incidents-1-occurred_at": "00:45",
        "incidents-1-people_involved": "1",
        "incidents-1-weapons_seized": "1",
    }
    data.update(overrides)
    return data


def test_the_report_page_shows_incidents_history_and_the_acknowledge_button(
    client, report, kapolsek_tambora, django_assert_num_queries
):
    client.force_login(kapolsek_tambora)
    url = reverse("patrols:report", args=[report.pk])

    # 11, and four for the audit trail a commander reads: the parts' ids, the
    # events, and the users and shift they name.
    with django_assert_num_queries(15):
        response = client.get(url, headers={"accept-language": "en"})

    page = response.content.decode()
    assert "Brawl prevented" in page
    assert "v1 · Submitted" in page
    assert reverse("patrols:report_acknowledge", args=[report.pk]) in page


def test_the_leader_corrects_fields_and_incidents_in_one_go(
    client, report, officer_tambora
):
    client.force_login(officer_tambora)

    response = client.post(
        reverse("patrols:report_correct", args=[report.pk]), _correction(report)
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.summary == "Quiet, one group sent home."
    assert sorted(report.incidents.values_list("category", "people_involved")) == [
        ("arrest", 1),
        ("brawl_prevented", 12),
    ]
    assert report.revisions.count() == 4  # submitted, summary, incident, new one
    assert set(report.revisions.values_list("note", flat=True)) == {"", "Typo"}


def test_a_refused_step_leaves_the_whole_correction_unsaved(
    client, report, officer_tambora
):
    client.force_login(officer_tambora)

    response = client.post(
        reverse("patrols:report_correct", args=[report.pk]),
        _correction(report, **{"incidents-1-occurred_at": "04:00"}),
    )

    assert response.status_code == 400
    report.refresh_from_db()
    assert report.summary == "Quiet."
    assert report.version == 1
    assert report.incidents.count() == 1


def test_an_incident_is_removed_by_its_checkbox(client, report, officer_tambora):
    client.force_login(officer_tambora)

    response = client.post(
        reverse("patrols:report_correct", args=[report.pk]),
        _correction(
            report,
            **{"incidents-0-DELETE": "on", "incidents-1-category": ""},
            **{"incidents-1-occurred_at": "", "incidents-1-people_involved": "0"},
            **{"incidents-1-weapons_seized": "0"},
        ),
    )

    assert response.status_code == 302, response.context["form"].errors
    assert not report.incidents.exists()


def test_a_forged_incident_id_is_refused(client, report, officer_tambora):
    client.force_login(officer_tambora)

    response = client.post(
        reverse("patrols:report_correct", args=[report.pk]),
        _correction(report, **{"incidents-0-id": "999999"}),
    )

    assert response.status_code == 400
    assert "not this report" in response.content.decode()


def test_a_stale_version_is_refused(client, report, officer_tambora):
    client.force_login(officer_tambora)

    response = client.post(
        reverse("patrols:report_correct", args=[report.pk]),
        _correction(report, version="7"),
        headers={"accept-language": "en"},
    )

    assert response.status_code == 400
    assert "changed this report meanwhile" in response.content.decode()


def test_after_acknowledgement_only_the_commander_may_correct(
    client, report, officer_tambora, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)
    client.post(reverse("patrols:report_acknowledge", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED

    client.force_login(officer_tambora)
    page = client.get(reverse("patrols:report", args=[report.pk]))
    forged = client.post(
        reverse("patrols:report_correct", args=[report.pk]), _correction(report)
    )
    client.force_login(kapolsek_tambora)
    by_commander = client.post(
        reverse("patrols:report_correct", args=[report.pk]), _correction(report)
    )

    assert reverse("patrols:report_correct", args=[report.pk]) not in (
        page.content.decode()
    )
    assert forged.status_code == 403
    assert by_commander.status_code == 302


def test_only_a_commander_may_acknowledge(
    client, report, officer_tambora, piket_gambir
):
    client.force_login(officer_tambora)
    url = reverse("patrols:report_acknowledge", args=[report.pk])
    assert client.post(url).status_code == 403
    client.force_login(piket_gambir)
    assert client.post(url).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --- morning reports ---------------------------------------------------------------


def test_the_morning_report_page_lists_the_night(
    client, plan, report, kapolres_jakbar, django_assert_num_queries
):
    morning_report = services.build_morning_report(plan=plan, night=NIGHT)
    client.force_login(kapolres_jakbar)

    with django_assert_num_queries(4):
        listing = client.get(reverse("patrols:morning_reports"))
    with django_assert_num_queries(4):
        page = client.get(
            reverse("patrols:morning_report", args=[morning_report.pk]),
            headers={"accept-language": "en"},
        )

    text = page.content.decode()
    assert morning_report in listing.context["by_plan"][plan]
    assert "Andi Saputra" in text
    assert "Brawl prevented" in text
    assert "css/morning.css" in text


def test_morning_reports_are_for_commanders_only(
    client, plan, report, piket_tambora, kapolsek_tambora
):
    morning_report = services.build_morning_report(plan=plan, night=NIGHT)
    url = reverse("patrols:morning_report", args=[morning_report.pk])
    client.force_login(piket_tambora)
    assert client.get(url).status_code == 404
    assert client.get(reverse("patrols:morning_reports")).context["by_plan"] == {}
    client.force_login(kapolsek_tambora)
    assert client.get(url).status_code == 200


# --- the Tonight board ---------------------------------------------------------------


def test_tonight_shows_who_is_at_the_post_and_empty_posts(
    client, shifts, arrived, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)
    with time_machine.travel(wib(23, 0, 30), tick=False):
        during = client.get(
            reverse("tonight"), headers={"accept-language": "en"}
        ).content.decode()
    with time_machine.travel(wib(23, 2, 30), tick=False):
        later = client.get(
            reverse("tonight"), headers={"accept-language": "en"}
        ).content.decode()

    assert "Andi Saputra:" in during
    assert "at the post since 23:58" in during
    assert "Post empty" not in during
    assert "Post empty" in later  # slot 2 (Tanjung Duren): Citra never came
    assert "Handover from Polsek Tambora: the next team has not arrived" in later


def test_tonight_offers_the_leader_the_report_and_then_links_it(
    client, shifts, arrived, officer_tambora, kapolsek_tambora
):
    new = reverse("patrols:report_new", args=[shifts[0].pk])
    client.force_login(officer_tambora)
    with time_machine.travel(wib(23, 1, 10), tick=False):
        before = client.get(reverse("tonight")).content.decode()
        report = services.submit_report(shift=shifts[0], by=officer_tambora)
        client.force_login(kapolsek_tambora)
        after = client.get(
            reverse("tonight"), headers={"accept-language": "en"}
        ).content.decode()

    assert new in before
    assert reverse("patrols:report", args=[report.pk]) in after
    assert "Report · Submitted" in after


@pytest.mark.parametrize("plans", [1, 6])
def test_the_live_status_adds_the_same_queries_for_any_number_of_plans(
    client,
    tambora,
    gambir,
    kapolsek_tambora,
    piket_tambora,
    plans,
    django_assert_num_queries,
):
    zone = factories.ZoneFactory(precincts=[tambora, gambir])
    for index in range(plans):
        plan = factories.RotationPlanFactory(
            code=f"live{index}", zone=zone, members=[tambora, gambir]
        )
        for slot in range(5):
            shift = factories.ShiftFactory(
                plan=plan, precinct=tambora, night=NIGHT, slot=slot
            )
            officer = factories.OfficerFactory(precinct=tambora)
            factories.AssignmentFactory(shift=shift, officer=officer)
            with time_machine.travel(shift.start, tick=False):
                services.check_in(
                    shift=shift, officer=officer, kind="arrive", by=piket_tambora
                )
    client.force_login(kapolsek_tambora)

    # The board's own queries, then check-ins, reports and unread changes.
    with (
        time_machine.travel(wib(23, 4, 30), tick=False),
        django_assert_num_queries(11),
    ):
        response = client.get(reverse("tonight"))

    assert response.content.decode().count("data-live-slot") == plans * 5


@pytest.mark.parametrize(
    ("role", "detail", "correct"),
    [
        ("officer_tambora", 200, 200),  # the leader
        ("piket_tambora", 200, 200),
        ("kapolsek_tambora", 200, 200),
        ("kapolres_jakbar", 200, 200),
        ("admin_user", 200, 200),
        ("piket_gambir", 404, 404),  # a partner: no personnel, no report
    ],
)
def test_who_sees_and_corrects_a_report(request, client, report, role, detail, correct):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("patrols:report", args=[report.pk])).status_code == (
        detail
    )
    assert client.get(
        reverse("patrols:report_correct", args=[report.pk])
    ).status_code == (correct)


def test_a_team_member_sees_the_report_but_may_not_correct_it(
    client, report, shifts, tambora
):
    member = factories.make_staff("briptu.tambora", "officer", precinct=tambora)
    officer = factories.OfficerFactory(precinct=tambora, user=member)
    factories.AssignmentFactory(shift=shifts[0], officer=officer)
    client.force_login(member)

    page = client.get(reverse("patrols:report", args=[report.pk]))

    assert page.status_code == 200
    assert reverse("patrols:report_correct", args=[report.pk]) not in (
        page.content.decode()
    )
    assert (
        client.get(reverse("patrols:report_correct", args=[report.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("extra", [0, 6])
def test_the_correction_form_runs_a_fixed_number_of_queries(
    client, report, officer_tambora, extra, django_assert_num_queries
):
    for minute in range(extra):
        report.incidents.create(category="other", occurred_at=wib(23, 0, 31 + minute))
    client.force_login(officer_tambora)

    with django_assert_num_queries(12):
        response = client.get(reverse("patrols:report_correct", args=[report.pk]))

    assert response.status_code == 200
    assert response.context["formset"].initial_form_count() == 1 + extra
