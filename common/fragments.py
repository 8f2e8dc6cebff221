"""Parts of pages rendered once per process for the values they show.

A row of a list (a shift on the Roster, a request on Requests, a night on the
Calendar, a slot on Tonight) is a pure function of the values it shows, the active
language, the current time zone and its template. Rendering it through the
template engine costs far more than reading its data, and the same rows come back
again and again: each duty officer reloads the same lists, and an edit changes a
row or two. So a page hands each row's values (plain, hashable: strings, numbers,
dates, tuples) to a Fragment, which renders its template once per distinct
(language, time zone, values) and keeps the result in a bounded least-recently-used
memo of the process.

The key is the content itself, so nothing is ever invalidated and nothing is ever
stale: changed data is a new key, and an old key simply ages out. The template may
read only those values (no request, user or CSRF token: forms stay in the page).
A part whose template reads richer objects (Tonight's slot) is rendered with
render_for(), whose key the caller builds from every value the template shows.

Each memo holds at most `maxsize` entries, the least recently used going first,
which bounds the memory a worker gives them.
"""

import functools
import threading
from collections import OrderedDict
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
        self.maxsize = maxsize
        self._memo: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        _MEMOS.append(self)

    def render(self, **values: Hashable) -> SafeString:
        """The template's output for these values (each must be hashable)."""
        items = tuple(values.items())
        return self.render_for(items, values)

    def render_for(self, key: Hashable, context: dict) -> SafeString:
        """The template rendered with `context`, once per process for `key`, which
        must hold every value of the context that the template shows."""
        key = (translation.get_language(), timezone.get_current_timezone_name(), key)
        with self._lock:
            html = self._memo.get(key)
            if html is not None:
                self._memo.move_to_end(key)
                self.hits += 1
                return html
        html = get_template(self.template_name).render(context)
        with self._lock:
            self.misses += 1
            self._memo[key] = html
            if len(self._memo) > self.maxsize:
                self._memo.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._memo)

    def cache_clear(self) -> None:
        with self._lock:
            self._memo.clear()
            self.hits = self.misses = 0


def clear() -> None:
    """Forget every rendered fragment and memoised label (the benchmark's cold
    runs, and tests)."""
    for memo in _MEMOS:
        memo.cache_clear()
