"""The print view and its plain text, the header for each role, password change."""

import pytest
from django.urls import reverse

from tests import factories
from tests.pages.conftest import NIGHT

EN = {"accept-language": "en"}


@pytest.fixture
def leaders(night, tambora, gambir):
    ours = factories.OfficerFactory(
        precinct=tambora, name="Budi Santoso", phone="+6281200000001"
    )
    theirs = factories.OfficerFactory(
        precinct=gambir, name="Gilang Ramadhan", phone="+6281200000002"
    )
    factories.AssignmentFactory(shift=night[0], officer=ours, role="leader")
    factories.AssignmentFactory(shift=night[2], officer=theirs, role="leader")
    return ours, theirs


def test_the_print_view_shows_one_night_with_leaders_and_phones(
    client, plan, leaders, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    response = client.get(
        reverse("schedules:print", args=[plan.pk]), {"night": "2024-01-22"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Sen 22 → Sel 23 Jan 2024" in body
    for officer in leaders:
        assert officer.name in body
        assert officer.phone in body
    assert body.count("<tr") == 1 + plan.slot_count


def test_the_text_summary_is_short_plain_text_for_a_chat_group(
    client, plan, leaders, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    response = client.get(
        reverse("schedules:night_text", args=[plan.pk]),
        {"night": "2024-01-22"},
        headers=EN,
    )

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.splitlines()[:2] == [
        "Patroli stasioner BKB – Banjir Kanal Barat – Kalianyar",
        "Mon 22 → Tue 23 Jan 2024, 00:00–05:00 WIB",
    ]
    assert "00:00–01:00 Polsek Tambora" in text
    assert "Leader: Briptu Budi Santoso +6281200000001" in text
    assert "<" not in text


def test_a_duty_officer_shares_no_partner_leader_names_or_phones(
    client, plan, leaders, piket_tambora
):
    client.force_login(piket_tambora)

    text = client.get(reverse("schedules:night_text", args=[plan.pk])).content
    page = client.get(reverse("schedules:print", args=[plan.pk])).content

    ours, theirs = leaders
    for body in (text.decode(), page.decode()):
        assert ours.name in body
        assert theirs.name not in body
        assert theirs.phone not in body


def test_a_plan_the_user_cannot_see_is_404(client, night, db):
    client.force_login(factories.UserFactory(username="outsider"))

    assert (
        client.get(reverse("schedules:print", args=[night[0].plan_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("schedules:night_text", args=[night[0].plan_id])).status_code
        == 404
    )


def test_a_bad_night_on_the_print_view_falls_back_to_tonight(
    client, plan, night, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    response = client.get(reverse("schedules:print", args=[plan.pk]), {"night": "x"})

    assert response.context["bp"].night == NIGHT


@pytest.mark.parametrize(
    ("who", "links", "hidden"),
    [
        ("piket_tambora", ["roster", "calendar", "requests"], ["admin:index"]),
        ("kapolres_jakbar", ["calendar", "requests"], ["roster", "admin:index"]),
        ("officer_tambora", [], ["roster", "calendar", "requests", "admin:index"]),
        ("admin_user", ["roster", "calendar", "requests", "admin:index"], []),
    ],
)
def test_the_header_offers_the_pages_each_role_uses(
    client, request, night, who, links, hidden
):
    client.force_login(request.getfixturevalue(who))

    nav = client.get(reverse("tonight")).content.decode()
    nav = nav.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]

    def url(name):
        return reverse(name if ":" in name else f"schedules:{name}")

    assert reverse("tonight") in nav
    for name in links:
        assert url(name) in nav
    for name in hidden:
        assert url(name) not in nav


def test_the_header_has_a_language_switch_and_logout(client, piket_tambora):
    client.force_login(piket_tambora)

    body = client.get(reverse("tonight")).content.decode()

    assert 'value="en"' in body
    assert 'value="id"' in body
    assert reverse("set_language") in body
    assert reverse("logout") in body
    assert reverse("schedules:password_change") in body


def test_switching_the_language_returns_to_the_same_page_in_english(
    client, night, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/tonight/?night=2024-01-22"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/tonight/?night=2024-01-22"
    assert "Mon 22 → Tue 23 Jan 2024" in response.content.decode()


def test_a_user_changes_their_password_and_stays_logged_in(client, piket_tambora):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("schedules:password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "kanal-barat-malam-2024",
            "new_password2": "kanal-barat-malam-2024",
        },
    )

    assert response.status_code == 302
    piket_tambora.refresh_from_db()
    assert piket_tambora.check_password("kanal-barat-malam-2024")
    assert client.get(reverse("tonight")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"old_password": "wrong", "new_password1": "kanal-barat-malam-2024"},
            "old_password",
        ),
        (
            {
                "new_password1": "kanal-barat-malam-2024",
                "new_password2": "other-pass-2024x",
            },
            "new_password2",
        ),
        ({"new_password1": "short", "new_password2": "short"}, "new_password2"),
    ],
)
def test_a_bad_password_change_is_shown_next_to_the_field(
    client, piket_tambora, data, field
):
    client.force_login(piket_tambora)
    data = {
        "old_password": factories.PASSWORD,
        "new_password2": data.get("new_password1", ""),
        **data,
    }

    response = client.post(reverse("schedules:password_change"), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    piket_tambora.refresh_from_db()
    assert piket_tambora.check_password(factories.PASSWORD)


def test_an_officers_print_and_text_hold_only_their_own_slot(
    client, plan, night, officer_tambora
):
    factories.AssignmentFactory(shift=night[3], officer=officer_tambora.officer)
    client.force_login(officer_tambora)

    page = client.get(reverse("schedules:print", args=[plan.pk]), headers=EN)
    text = client.get(reverse("schedules:night_text", args=[plan.pk]), headers=EN)

    assert page.content.decode().count("<tr") == 2
    assert "not scheduled" not in text.content.decode().lower()
    assert "03:00–04:00 Polsek Tambora" in text.content.decode()


@pytest.mark.parametrize("plans", [1, 20])
@pytest.mark.parametrize("name", ["schedules:print", "schedules:night_text"])
def test_print_and_text_run_the_same_queries_for_1_and_100_shifts(
    client, name, plans, tambora, gambir, kapolres_jakbar, django_assert_num_queries
):
    """The board behind them spans every visible plan: 20 plans × 5 = 100 shifts."""
    zone = factories.ZoneFactory(precincts=[tambora, gambir])
    first = None
    for index in range(plans):
        plan = factories.RotationPlanFactory(
            code=f"p{index}", zone=zone, members=[tambora, gambir]
        )
        first = first or plan
        for slot in range(1 if plans == 1 else 5):
            shift = factories.ShiftFactory(
                plan=plan, precinct=[tambora, gambir][slot % 2], night=NIGHT, slot=slot
            )
            factories.AssignmentFactory.create_batch(2, shift=shift)
    client.force_login(kapolres_jakbar)

    with django_assert_num_queries(8):
        response = client.get(reverse(name, args=[first.pk]))

    assert response.status_code == 200


def test_the_password_page_runs_a_fixed_number_of_queries(
    client, piket_tambora, django_assert_num_queries
):
    client.force_login(piket_tambora)

    with django_assert_num_queries(3):
        response = client.get(reverse("schedules:password_change"))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["schedules:print", "schedules:night_text"])
def test_a_night_out_of_range_on_print_falls_back_to_tonight(
    client, plan, night, kapolres_jakbar, name
):
    client.force_login(kapolres_jakbar)

    response = client.get(reverse(name, args=[plan.pk]), {"night": "9999-12-31"})

    assert response.status_code == 200


def test_the_night_as_text_says_why_a_slot_is_not_the_rotations(
    client, plan, night, gambir, kapolres_jakbar
):
    from schedules.models import Reason

    night[0].reason = Reason.SUBSTITUTE
    night[0].substitute_for = gambir
    night[0].save()
    night[1].reason = Reason.SWAP
    night[1].save()
    client.force_login(kapolres_jakbar)

    text = client.get(
        reverse("schedules:night_text", args=[plan.pk]),
        headers={"accept-language": "en"},
    ).content.decode()

    assert "00:00–01:00 Polsek Tambora (substitute for Polsek Gambir)" in text
    assert "01:00–02:00 Polsek Tanjung Duren (swap)" in text
    assert "02:00–03:00 Polsek Gambir\n" in text  # the rotation's turn: no reason
    assert len(text) < 1000  # a chat message


def test_the_night_as_text_names_the_place_once(client, plan, night, kapolres_jakbar):
    plan.name = "Patroli stasioner Banjir Kanal Barat"
    plan.save()
    client.force_login(kapolres_jakbar)

    text = client.get(reverse("schedules:night_text", args=[plan.pk])).content
    first_line = text.decode().splitlines()[0]

    assert first_line == "Patroli stasioner Banjir Kanal Barat"
