"""Odd input anywhere on the pages is a clear answer, never a server error."""

import pytest
from django.urls import reverse

from schedules.models import Assignment

ODD = ["", "abc", "-1", "0", "99999999999999999999", "1.5", "\x00", "ü" * 300, "[1]"]


@pytest.mark.parametrize("value", ODD)
def test_odd_query_parameters_never_break_a_page(client, night, kapolres_jakbar, value):
    client.force_login(kapolres_jakbar)
    plan = night[0].plan_id
    for url, names in [
        (reverse("tonight"), ["night"]),
        (reverse("schedules:calendar"), ["plan", "view", "date", "precinct"]),
        (reverse("schedules:print", args=[plan]), ["night"]),
        (reverse("schedules:night_text", args=[plan]), ["night"]),
        (reverse("schedules:requests"), ["x"]),
    ]:
        response = client.get(url, dict.fromkeys(names, value))
        assert response.status_code in (200, 400), (url, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_roster_posts_never_break_and_never_save(
    client, night, tambora_officers, piket_tambora, value
):
    client.force_login(piket_tambora)
    shift = night[0]
    for action in (
        "schedules:shift",
        "schedules:remove_officer",
        "schedules:set_leader",
    ):
        for data in (
            {"version": value, "officers": [tambora_officers[0].pk]},
            {"version": 1, "officers": [value], "officer": value},
        ):
            response = client.post(reverse(action, args=[shift.pk]), data)
            assert response.status_code in (302, 400), (action, data)
    response = client.post(
        reverse("schedules:copy_team", args=[shift.pk]), {"version": value}
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(shift=shift).exists()


@pytest.mark.parametrize("value", ODD)
def test_odd_request_posts_never_break(client, night, tambora, kapolsek_tambora, value):
    client.force_login(kapolsek_tambora)
    posts = [
        (
            "schedules:new_blackout",
            [],
            {"precinct": value, "start": value, "end": value, "reason": value},
        ),
        (
            "schedules:new_blackout",
            [],
            {
                "precinct": tambora.pk,
                "start": "2024-01-25T00:00",
                "end": "2024-01-26T00:00",
                "reason": value,
            },
        ),
        (
            "schedules:new_swap",
            [],
            {
                "shift": value,
                "to_precinct": value,
                "counter_shift": value,
                "note": value,
            },
        ),
        ("schedules:decide_blackout", [1], {"decision": value, "note": value}),
        ("schedules:decide_swap", [1], {"decision": value, "note": value}),
        ("schedules:withdraw_swap", [1], {}),
    ]
    for name, args, data in posts:
        response = client.post(reverse(name, args=args), data)
        assert response.status_code in (302, 400, 404), (name, data)


def test_a_get_on_a_post_only_address_is_405(client, night, piket_tambora):
    client.force_login(piket_tambora)

    for name in (
        "schedules:remove_officer",
        "schedules:set_leader",
        "schedules:copy_team",
    ):
        assert client.get(reverse(name, args=[night[0].pk])).status_code == 405
    assert client.get(reverse("schedules:new_blackout")).status_code == 405


def test_an_id_too_long_for_the_database_is_a_404(client, night, kapolsek_tambora):
    client.force_login(kapolsek_tambora)
    huge = "9" * 25

    for path in (f"/roster/{huge}/", f"/print/{huge}/", f"/print/{huge}/text/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/requests/swap/{huge}/decide/").status_code == 404
