"""The roster editor: who may use it, every rule break, stale versions, shortcuts."""

import pytest
from django.urls import reverse

from schedules.models import Assignment
from tests import factories
from tests.pages.conftest import NIGHT, make_nights

EN = {"accept-language": "en"}


def shift_url(shift, action=""):
    names = {
        "": "schedules:shift",
        "remove": "schedules:remove_officer",
        "leader": "schedules:set_leader",
        "copy": "schedules:copy_team",
    }
    return reverse(names[action], args=[shift.pk])


def add(client, shift, officers, version=None):
    return client.post(
        shift_url(shift),
        {
            "version": shift.version if version is None else version,
            "officers": [o.pk for o in officers],
        },
        headers=EN,
    )


def on_shift(shift):
    return set(Assignment.objects.filter(shift=shift).values_list("officer", flat=True))


# --- the list -----------------------------------------------------------------------


def test_the_roster_lists_the_precincts_coming_shifts_nearest_first(
    client, night, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.get(reverse("schedules:roster"), headers=EN)

    assert response.status_code == 200
    shown = response.context["shifts"]
    assert [s.slot for s in shown] == [0, 3]
    assert all(s.precinct.code == "tambora" for s in shown)
    assert "2 shifts still short of officers" in response.content.decode()


def test_the_roster_leaves_out_shifts_that_have_ended(
    client, plan, tambora, tanjungduren, gambir, piket_tambora
):
    make_nights(plan, [tambora, tanjungduren, gambir], first=NIGHT.replace(day=20))
    make_nights(plan, [tambora, tanjungduren, gambir])
    client.force_login(piket_tambora)

    response = client.get(reverse("schedules:roster"))

    assert {s.night for s in response.context["shifts"]} == {NIGHT}


def test_a_commander_has_no_roster_to_keep(client, night, kapolsek_tambora):
    client.force_login(kapolsek_tambora)

    response = client.get(reverse("schedules:roster"), headers=EN)

    assert response.context["shifts"] == []
    assert "Rosters are kept by each precinct" in response.content.decode()


@pytest.mark.parametrize("count", [1, 100])
def test_the_roster_list_runs_the_same_queries_for_1_and_100_shifts(
    client, plan, tambora, count, piket_tambora, django_assert_num_queries
):
    """Two plans that Tambora holds alone: ten nights of five slots each = 100."""
    second = factories.RotationPlanFactory(
        code="second", zone=plan.zone, members=[tambora]
    )
    shifts = make_nights(plan, [tambora], count=10) + make_nights(
        second, [tambora], count=10
    )
    for shift in shifts[count:]:
        shift.delete()
    for shift in shifts[:count]:
        factories.AssignmentFactory.create_batch(2, shift=shift)
    client.force_login(piket_tambora)

    with django_assert_num_queries(5):
        response = client.get(reverse("schedules:roster"))

    assert len(response.context["shifts"]) == count


def test_the_roster_shows_an_officer_added_after_it_was_first_shown(
    client, plan, tambora, piket_tambora
):
    """Rows are rendered once per process for what they show (common.fragments):
    a changed team is a new row, never the old one from the memo."""
    shift = make_nights(plan, [tambora])[0]
    officer = factories.OfficerFactory(precinct=tambora, name="Gita Lestari")
    client.force_login(piket_tambora)
    before = client.get(reverse("schedules:roster")).content.decode()

    factories.AssignmentFactory(shift=shift, officer=officer)
    after = client.get(reverse("schedules:roster")).content.decode()

    assert "Gita Lestari" not in before
    assert "Gita Lestari" in after


# --- who may edit -----------------------------------------------------------------


def test_the_duty_officer_of_the_holding_precinct_opens_the_editor(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.get(shift_url(night[0]))

    assert response.status_code == 200
    assert [o.name for o in response.context["candidates"]] == sorted(
        o.name for o in tambora_officers
    )


@pytest.mark.parametrize("who", ["piket_gambir", "kapolsek_tambora", "officer_tambora"])
def test_nobody_else_may_open_or_post_to_the_editor(
    client, request, night, tambora_officers, who
):
    client.force_login(request.getfixturevalue(who))
    shift = night[0]

    # A commander reads the shift and its history (tests/audit/test_history.py).
    if who != "kapolsek_tambora":
        assert client.get(shift_url(shift)).status_code in (403, 404)
    for action in ("", "remove", "leader", "copy"):
        data = {"version": 1, "officers": [tambora_officers[0].pk]}
        data["officer"] = tambora_officers[0].pk
        assert client.post(shift_url(shift, action), data).status_code in (403, 404)
    assert not Assignment.objects.filter(shift=shift).exists()


def test_a_forged_post_from_a_partner_duty_officer_gets_403(
    client, night, tambora_officers, piket_gambir
):
    client.force_login(piket_gambir)

    response = add(client, night[0], tambora_officers[:1])

    assert response.status_code == 403
    assert not Assignment.objects.filter(shift=night[0]).exists()


def test_an_anonymous_post_goes_to_the_login_page(client, night, tambora_officers):
    response = add(client, night[0], tambora_officers[:1])

    assert response.status_code == 302
    assert not Assignment.objects.exists()


def test_an_unknown_shift_is_404(client, piket_tambora):
    client.force_login(piket_tambora)

    assert client.get("/roster/999999/").status_code == 404


def test_a_duty_officer_sees_no_other_precincts_officers_in_the_editor(
    client, night, tambora_officers, gambir_officers, piket_tambora
):
    client.force_login(piket_tambora)

    body = client.get(shift_url(night[0])).content.decode()

    for officer in gambir_officers:
        assert officer.name not in body
        assert officer.nrp not in body


# --- adding, and every rule break -------------------------------------------------


def test_adding_officers_saves_them_all_and_bumps_the_version(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    shift = night[0]

    response = add(client, shift, tambora_officers[:3])

    assert response.status_code == 302
    assert on_shift(shift) == {o.pk for o in tambora_officers[:3]}
    shift.refresh_from_db()
    assert shift.version == 4


def test_the_search_finds_officers_by_name_or_nrp(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    gita = tambora_officers[4]

    by_name = client.get(shift_url(night[0]), {"q": "gita"}).context["candidates"]
    by_nrp = client.get(shift_url(night[0]), {"q": gita.nrp}).context["candidates"]

    assert list(by_name) == [gita]
    assert list(by_nrp) == [gita]


def test_choosing_nobody_is_a_form_error(client, night, piket_tambora):
    client.force_login(piket_tambora)

    response = add(client, night[0], [])

    assert response.status_code == 400
    assert "Choose at least one officer." in response.content.decode()


def test_another_precincts_officer_is_refused_without_naming_them(
    client, night, gambir_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = add(client, night[0], gambir_officers[:1])

    assert response.status_code == 400
    body = response.content.decode()
    assert "That officer cannot serve on this shift." in body
    assert gambir_officers[0].name not in body
    assert not Assignment.objects.exists()


def test_an_inactive_officer_is_refused_next_to_the_field(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    retired = tambora_officers[0]
    retired.active = False
    retired.save()

    response = add(client, night[0], [tambora_officers[1], retired])

    assert response.status_code == 400
    errors = response.context["add_form"].errors["officers"]
    assert any("is not active" in e for e in errors)
    assert not Assignment.objects.exists()  # not even the active one


def test_an_officer_on_an_overlapping_shift_is_refused(
    client, night, plan, tambora, tambora_officers, piket_tambora
):
    other_plan = factories.RotationPlanFactory(
        code="other", zone=plan.zone, members=[tambora]
    )
    elsewhere = factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT, slot=0
    )
    factories.AssignmentFactory(shift=elsewhere, officer=tambora_officers[0])
    client.force_login(piket_tambora)

    response = add(client, night[0], tambora_officers[:1])

    assert response.status_code == 400
    assert "overlapping shift" in " ".join(
        response.context["add_form"].errors["officers"]
    )
    assert on_shift(night[0]) == set()


def test_an_officer_without_enough_rest_is_refused(
    client, night, tambora_officers, piket_tambora
):
    factories.AssignmentFactory(shift=night[0], officer=tambora_officers[0])
    client.force_login(piket_tambora)

    response = add(client, night[3], tambora_officers[:1])

    assert response.status_code == 400
    assert "hours of rest" in " ".join(response.context["add_form"].errors["officers"])


def test_more_officers_than_the_shift_needs_are_refused_and_none_saved(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = add(client, night[0], tambora_officers[:5])

    assert response.status_code == 400
    assert "needs 4 officers" in " ".join(
        response.context["add_form"].errors["officers"]
    )
    assert on_shift(night[0]) == set()
    night[0].refresh_from_db()
    assert night[0].version == 1


def test_the_choices_survive_a_rule_break(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = add(client, night[0], tambora_officers[:5])

    body = response.content.decode()
    assert body.count(" checked>") == 5


def test_a_shift_changed_meanwhile_is_refused_with_a_clear_message(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    shift = night[0]
    add(client, shift, tambora_officers[:1])

    response = add(client, shift, tambora_officers[1:2], version=1)

    assert response.status_code == 302
    assert on_shift(shift) == {tambora_officers[0].pk}
    page = client.get(response["Location"], headers=EN).content.decode()
    assert "Someone else changed this shift" in page


def test_a_missing_version_is_a_form_error(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.post(shift_url(night[0]), {"officers": [tambora_officers[0].pk]})

    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_a_shift_that_has_ended_cannot_be_edited(
    client, plan, tambora, tambora_officers, piket_tambora
):
    [old, *_] = make_nights(plan, [tambora], first=NIGHT.replace(day=20))
    client.force_login(piket_tambora)

    response = add(client, old, tambora_officers[:1])

    assert response.status_code == 400
    assert "has ended" in response.content.decode()


# --- remove, leader, copy ---------------------------------------------------------


def test_removing_an_officer_takes_them_off(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    shift = night[0]
    add(client, shift, tambora_officers[:2])
    shift.refresh_from_db()

    response = client.post(
        shift_url(shift, "remove"),
        {"version": shift.version, "officer": tambora_officers[0].pk},
    )

    assert response.status_code == 302
    assert on_shift(shift) == {tambora_officers[1].pk}


def test_setting_the_leader_marks_one_officer(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    shift = night[0]
    add(client, shift, tambora_officers[:2])
    shift.refresh_from_db()

    client.post(
        shift_url(shift, "leader"),
        {"version": shift.version, "officer": tambora_officers[1].pk},
    )

    leader = Assignment.objects.get(shift=shift, role="leader")
    assert leader.officer == tambora_officers[1]


def test_removing_someone_not_on_the_shift_is_refused(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.post(
        shift_url(night[0], "remove"),
        {"version": 1, "officer": tambora_officers[0].pk},
        follow=True,
        headers=EN,
    )

    assert "That officer is not on this shift." in response.content.decode()


def test_a_stale_remove_is_refused(client, night, tambora_officers, piket_tambora):
    client.force_login(piket_tambora)
    shift = night[0]
    add(client, shift, tambora_officers[:2])

    response = client.post(
        shift_url(shift, "remove"),
        {"version": 1, "officer": tambora_officers[0].pk},
        follow=True,
        headers=EN,
    )

    assert "Someone else changed this shift" in response.content.decode()
    assert len(on_shift(shift)) == 2


def test_the_same_team_shortcut_copies_the_previous_shift(
    client, plan, tambora, tambora_officers, piket_tambora
):
    [today] = make_nights(plan, [tambora], count=2)[:1]
    tomorrow = plan.shifts.get(night=NIGHT.replace(day=23), slot=0)
    for officer in tambora_officers[:3]:
        factories.AssignmentFactory(shift=today, officer=officer)
    client.force_login(piket_tambora)

    page = client.get(shift_url(tomorrow))
    assert page.context["previous"] == today
    response = client.post(shift_url(tomorrow, "copy"), {"version": 1})

    assert response.status_code == 302
    assert on_shift(tomorrow) == {o.pk for o in tambora_officers[:3]}


def test_the_same_team_shortcut_reports_a_rule_break_and_adds_nobody(
    client, night, tambora_officers, piket_tambora
):
    for officer in tambora_officers[:2]:
        factories.AssignmentFactory(shift=night[0], officer=officer)
    client.force_login(piket_tambora)

    response = client.post(
        shift_url(night[3], "copy"), {"version": 1}, follow=True, headers=EN
    )

    assert "hours of rest" in response.content.decode()
    assert on_shift(night[3]) == set()


@pytest.mark.parametrize("officers", [2, 100])
def test_the_editor_runs_the_same_queries_for_1_and_100_officers(
    client, night, tambora, officers, piket_tambora, django_assert_num_queries
):
    """1 or 99 candidates, each with their standing (busy, resting...)."""
    team = factories.OfficerFactory.create_batch(officers, precinct=tambora)
    factories.AssignmentFactory(shift=night[0], officer=team[0])
    client.force_login(piket_tambora)

    with django_assert_num_queries(10):
        response = client.get(shift_url(night[0]))

    assert len(response.context["candidates"]) == officers - 1


def test_the_editor_offers_the_next_shift_still_to_fill(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.get(shift_url(night[0]))

    assert response.context["next_short"] == night[3]
    assert shift_url(night[3]) in response.content.decode()


def test_the_leader_heads_the_team(client, night, tambora_officers, piket_tambora):
    factories.AssignmentFactory(shift=night[0], officer=tambora_officers[0])
    factories.AssignmentFactory(
        shift=night[0], officer=tambora_officers[1], role="leader"
    )
    client.force_login(piket_tambora)

    team = client.get(shift_url(night[0])).context["team"]

    assert [a.officer for a in team] == [tambora_officers[1], tambora_officers[0]]
