# Real Chromium against the live server, as the pages' browser tests use it.
from tests.browser.conftest import (  # noqa: F401
    _frozen_evening,
    new_page,
    tambora_team,
    tonight_shifts,
)
