"""Parts of pages rendered once per process for the values they show.

A row of a list (a shift on the Roster, a request on Requests, a night on the
Calendar) is a pure function of the values it shows, the active language, the
current time zone and its template. Rendering it through the template engine costs
far more than reading its data, and the same rows come back again and again: each
duty officer reloads the same lists, and an edit changes a row or two. So a page
hands each row's values (plain, hashable: strings, numbers, dates, tuples) to a
Fragment, which renders its template once per distinct (language, time zone,
values) and keeps the result in a bounded least-recently-used memo of the process.

The key is the content itself, so nothing is ever invalidated and nothing is ever
stale: changed data is a new key, and an old key simply ages out. The template may
read only those values (no request, user or CSRF token: forms stay in the page).
"""

import functools
from collections.abc import Hashable

from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

# Every memo of the process, for clear().
_MEMOS: list = []


def memoised(maxsize: int):
    """functools.lru_cache for a function whose result is shown on pages (a
    localised label, say), registered so that clear() forgets it too."""

    def decorate(function):
        memo = functools.lru_cache(maxsize=maxsize)(function)
        _MEMOS.append(memo)
        return memo

    return decorate


class Fragment:
    """A template rendered once per process for each distinct set of values."""

    def __init__(self, template_name: str, *, maxsize: int = 4096):
        self.template_name = template_name
        self._memo = memoised(maxsize)(self._render)

    def _render(self, language, zone, items: tuple) -> SafeString:
        return get_template(self.template_name).render(dict(items))

    def render(self, **values: Hashable) -> SafeString:
        """The template's output for these values (each must be hashable)."""
        return self._memo(
            translation.get_language(),
            timezone.get_current_timezone_name(),
            tuple(values.items()),
        )


def clear() -> None:
    """Forget every rendered fragment and memoised label (the benchmark's cold
    runs, and tests)."""
    for memo in _MEMOS:
        memo.cache_clear()
