"""The roster editor tells before a submit what would be refused: who is busy or
resting, whether the same team can come; the leader is chosen in the same step,
a removal can be undone, and a stale refusal keeps the choices."""

from urllib.parse import urlencode

from django.urls import reverse

from schedules.models import Assignment, AssignmentRole
from tests import factories
from tests.pages.conftest import make_nights

EN = {"accept-language": "en"}


def shift_url(shift, name="schedules:shift"):
    return reverse(name, args=[shift.pk])


def candidate_row(html: str, officer) -> str:
    start = html.index(f'value="{officer.pk}"')
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def test_candidates_show_who_is_busy_or_resting_before_submitting(
    client, plan, night, tambora, tambora_officers, piket_tambora
):
    budi, dedi, eko = tambora_officers[:3]
    second = factories.RotationPlanFactory(
        code="second", zone=plan.zone, members=[tambora]
    )
    elsewhere = make_nights(second, [tambora])[3]  # 03:00–04:00, the same hour
    factories.AssignmentFactory(shift=elsewhere, officer=budi)
    factories.AssignmentFactory(shift=night[0], officer=dedi)  # 00:00, rest hours
    client.force_login(piket_tambora)

    html = client.get(shift_url(night[3]), headers=EN).content.decode()

    busy, resting, free = (candidate_row(html, o) for o in (budi, dedi, eko))
    assert "standing-busy" in busy
    assert "busy: on another shift, 03:00–04:00 WIB" in busy
    assert "standing-resting" in resting
    assert "resting: on 00:00–01:00 WIB" in resting
    assert "standing-free" in free
    assert "badge" not in free


def test_the_same_team_is_offered_only_when_it_can_come(
    client, night, tambora_officers, piket_tambora
):
    for officer in tambora_officers[:2]:
        factories.AssignmentFactory(shift=night[0], officer=officer)
    client.force_login(piket_tambora)

    # 03:00 is inside the 00:00 team's rest hours: no button, the reason instead.
    html = client.get(shift_url(night[3]), headers=EN).content.decode()
    assert shift_url(night[3], "schedules:copy_team") not in html
    assert "cannot all come" in html
    assert f"{tambora_officers[0].name} (resting" in html


def test_the_same_team_button_shows_when_the_team_is_free(
    client, plan, tambora, tambora_officers, piket_tambora
):
    today, tomorrow = make_nights(plan, [tambora], count=2)[0::5]
    for officer in tambora_officers[:3]:
        factories.AssignmentFactory(shift=today, officer=officer)
    client.force_login(piket_tambora)

    html = client.get(shift_url(tomorrow), headers=EN).content.decode()

    assert shift_url(tomorrow, "schedules:copy_team") in html
    assert "cannot all come" not in html


def test_the_leader_is_chosen_in_the_same_step(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    budi, dedi = tambora_officers[:2]

    response = client.post(
        shift_url(night[0]),
        {"version": 1, "officers": [budi.pk, dedi.pk], "leader": dedi.pk},
    )

    assert response.status_code == 302
    roles = dict(
        Assignment.objects.filter(shift=night[0]).values_list("officer", "role")
    )
    assert roles == {budi.pk: AssignmentRole.MEMBER, dedi.pk: AssignmentRole.LEADER}


def test_a_removal_can_be_undone_with_the_officers_role(
    client, night, tambora_officers, piket_tambora
):
    budi = tambora_officers[0]
    factories.AssignmentFactory(shift=night[0], officer=budi, role="leader")
    client.force_login(piket_tambora)

    removed = client.post(
        shift_url(night[0], "schedules:remove_officer"),
        {"version": 1, "officer": budi.pk},
    )
    assert not Assignment.objects.filter(shift=night[0]).exists()
    page = client.get(removed["Location"], headers=EN).content.decode()
    assert f"{budi.name} was removed." in page
    undo = page[page.index('class="undo-remove"') :]
    undo = undo[: undo.index("</form>")]
    assert f'name="officers" value="{budi.pk}"' in undo
    assert f'name="leader" value="{budi.pk}"' in undo

    night[0].refresh_from_db()
    client.post(
        shift_url(night[0]),
        {"version": night[0].version, "officers": [budi.pk], "leader": budi.pk},
    )
    assert Assignment.objects.get(shift=night[0]).role == AssignmentRole.LEADER
    page = client.get(removed["Location"], headers=EN).content.decode()
    assert "was removed." not in page  # back on: nothing to undo


def test_a_stale_refusal_keeps_the_choices(
    client, night, tambora_officers, piket_tambora
):
    client.force_login(piket_tambora)
    budi, dedi, eko = tambora_officers[:3]
    client.post(shift_url(night[0]), {"version": 1, "officers": [budi.pk]})

    response = client.post(
        shift_url(night[0]),
        {"version": 1, "officers": [dedi.pk, eko.pk], "leader": eko.pk},
        headers=EN,
    )

    assert response.status_code == 302
    keep = urlencode({"keep": f"{dedi.pk},{eko.pk}", "lead": eko.pk})
    assert response["Location"].endswith("?" + keep)
    html = client.get(response["Location"], headers=EN).content.decode()
    assert "Someone else changed this shift" in html
    for officer in (dedi, eko):
        assert " checked" in candidate_row(html, officer).split("</label>")[0]
    assert " checked" in candidate_row(html, eko).split('class="lead"')[1]
    assert " checked" not in candidate_row(html, dedi).split('class="lead"')[1]
