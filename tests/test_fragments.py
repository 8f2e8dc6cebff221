"""Parts of pages rendered once per process for what they show (common.fragments):
the same values give the same markup from the memo, and anything that changes what
a part shows (a value, the language, the time zone) renders it afresh."""

import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from common import fragments

ROW = fragments.Fragment("schedules/_roster_row.html", maxsize=8)
VALUES = {
    "pk": 7,
    "start": "00:00",
    "end": "01:00",
    "plan": "Banjir Kanal Barat",
    "precinct": "Polsek Tambora",
    "colour": "#1f77b4",
    "team": (("Bripka", "Budi Santoso", True),),
    "count": 1,
    "minimum": 2,
    "short": True,
}


@pytest.fixture(autouse=True)
def _empty_memo():
    fragments.clear()


def test_the_same_values_are_rendered_once_and_then_read_from_the_memo():
    first = ROW.render(**VALUES)
    again = ROW.render(**VALUES)

    assert again == first
    assert ROW.hits == 1
    assert "Bripka Budi Santoso ★" in first


def test_a_changed_value_is_rendered_afresh():
    ROW.render(**VALUES)

    changed = ROW.render(**VALUES | {"team": (("Bripka", "Dedi Kurniawan", False),)})

    assert "Dedi Kurniawan" in changed
    assert "Budi" not in changed
    assert ROW.misses == 2


def test_the_values_are_escaped():
    html = ROW.render(**VALUES | {"plan": "<script>alert(1)</script>"})

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_each_language_and_time_zone_has_its_own_entry():
    with translation.override("en"):
        ROW.render(**VALUES)
    with translation.override("id"):
        ROW.render(**VALUES)
    with translation.override("id"), timezone.override("Asia/Makassar"):
        ROW.render(**VALUES)

    assert ROW.misses == 3


def test_the_memo_keeps_only_the_most_recently_used_entries():
    for pk in range(20):
        ROW.render(**VALUES | {"pk": pk})

    assert len(ROW) == 8


def test_the_memoised_header_names_each_user_and_carries_their_own_csrf_token(
    db, piket_tambora, piket_gambir
):
    """The header's tools are rendered once per process (schedules' header_tools);
    the CSRF token, which differs per session, goes in afterwards."""
    pages = []
    for user in (piket_tambora, piket_gambir):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        page = browser.get("/notices/", headers={"accept-language": "en"})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        switched = browser.post(
            "/i18n/setlang/",
            {"csrfmiddlewaretoken": token[1], "language": "id", "next": "/notices/"},
        )
        pages.append(page.text)
        assert switched.status_code == 302

    assert f"<summary>{piket_tambora.username}</summary>" in pages[0]
    assert f"<summary>{piket_gambir.username}</summary>" in pages[1]
    assert pages[0].count('name="csrfmiddlewaretoken"') >= 2
    assert '<input name="next" type="hidden" value="/notices/">' in pages[0]


def test_templates_are_compiled_once_per_process_by_the_cached_loader():
    """Django wraps the loaders in its cached loader when none are configured
    (config.settings sets none): a page's templates are parsed once per process."""
    from django.template import engines
    from django.template.loaders import cached

    loaders = engines["django"].engine.template_loaders

    assert len(loaders) == 1
    assert isinstance(loaders[0], cached.Loader)
