"""What runs against the region during `make region` (ops/region.py): simulated
users (70% pages, 20% API pulls, 10% roster edits, as ops/load.py), a mirror that
follows the shifts over the API (served by the replica), and a watcher of the
board. Every answer is recorded with its time, kind, status and the database that
served it (the `X-Read-From` header), and every acknowledged roster edit with the
shift version it produced, so the run can check afterwards that none was lost.

The users spread over both gunicorn instances, as a proxy would, and a GET that
cannot connect to one is sent to the other (nginx's proxy_next_upstream).
"""

import random
import threading
import time

import requests

from bench.load_city import PAGES, user_sessions

HEADER = "X-Read-From"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        # (monotonic time sent, kind, ms, status, served by a replica)
        self.answers: list[tuple[float, str, float, object, bool]] = []
        # (shift id, nrp) -> (shift version acknowledged, officer on the roster)
        self.acked: dict[tuple[int, str], tuple[int, bool]] = {}
        # Edits answered with a 5xx or no answer: done or not, the client cannot
        # know (a write committed just before the primary went away, say).
        self.unsure: set[tuple[int, str]] = set()

    def add(self, kind: str, sent: float, status, replica: bool) -> None:
        ms = (time.monotonic() - sent) * 1000
        with self.lock:
            self.answers.append((sent, kind, ms, status, replica))

    def ack(self, shift: int, nrp: str, version: int, present: bool) -> None:
        """An edit the server acknowledged; the latest version of a shift wins."""
        with self.lock:
            known = self.acked.get((shift, nrp))
            if known is None or version > known[0]:
                self.acked[(shift, nrp)] = (version, present)


def request(recorder, kind, session, bases, pick, method, path, **kwargs):
    """One request to bases[pick], then (a GET that could not connect) the other."""
    tries = [pick, 1 - pick] if method == "GET" else [pick]
    sent = time.monotonic()
    for at in tries:
        try:
            response = session.request(
                method, bases[at] + path, timeout=30, allow_redirects=False, **kwargs
            )
        except requests.ConnectionError:
            continue
        except requests.RequestException as exc:
            response, status = None, type(exc).__name__
        else:
            status = response.status_code
        replica = response is not None and HEADER in response.headers
        recorder.add(kind, sent, status, replica)
        return response
    recorder.add(kind, sent, "ConnectionError", False)
    return None


def unsure(response) -> bool:
    return response is None or response.status_code >= 500


def user_loop(bases, world, login, recorder, stop_at, think, seed):
    rng = random.Random(seed)
    pick = seed % len(bases)
    browser, api, csrf = user_sessions(login, world["key"])
    headers = {"X-CSRFToken": csrf, "Referer": f"{bases[pick]}/"}
    time.sleep(rng.uniform(0, think[1]))  # spread the start
    while time.monotonic() < stop_at:
        roll = rng.random()
        if roll < 0.7:
            request(recorder, "page", browser, bases, pick, "GET", rng.choice(PAGES))
        elif roll < 0.9:
            path = rng.choice(world["api_paths"])
            request(recorder, "api", api, bases, pick, "GET", path)
        else:
            edit(bases, pick, login, recorder, browser, headers, rng)
        time.sleep(rng.uniform(*think))


def edit(bases, pick, login, recorder, browser, headers, rng):
    """Read a shift, add an officer with If-Match, take them off again."""
    shift = rng.choice(login["shifts"])
    path = f"/api/v1/shifts/{shift}/"
    read = request(recorder, "api", browser, bases, pick, "GET", path)
    if read is None or read.status_code != 200:
        return
    nrp = rng.choice(login["nrps"])
    added = request(
        recorder, "write", browser, bases, pick, "POST", f"{path}assignments/",
        json={"officer": nrp, "role": "member"},
        headers=headers | {"If-Match": f'"{read.json()["version"]}"'},
    )  # fmt: skip
    if unsure(added):
        recorder.unsure.add((shift, nrp))
    if added is None or added.status_code != 201:
        return
    recorder.ack(shift, nrp, added.json()["version"], True)
    removed = request(
        recorder, "write", browser, bases, pick, "DELETE",
        f"{path}assignments/{nrp}/",
        headers=headers | {"If-Match": f'"{added.json()["version"]}"'},
    )  # fmt: skip
    if unsure(removed):
        recorder.unsure.add((shift, nrp))
    if removed is not None and removed.status_code == 200:
        recorder.ack(shift, nrp, removed.json()["version"], False)


class Mirror:
    """A system that keeps a copy of every shift (id -> version), pulling what
    changed after its watermark through `shifts/?since=` (the commit-ordered change
    positions of the sync contract): each page holds only changes the server that
    answers has committed, so a replica never hands out a position past what it has
    replayed."""

    def __init__(self, bases, key, recorder):
        self.bases, self.recorder = bases, recorder
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"
        self.rows: dict[int, int] = {}
        self.watermark: str | None = None
        self.rounds = self.failed_rounds = 0

    def sync(self) -> bool:
        """One pass over the changes; False (nothing kept) when a page failed."""
        path = "/api/v1/shifts/?page_size=1000"
        if self.watermark is not None:
            path += f"&since={self.watermark}"
        seen, watermark, asked = {}, self.watermark, set()
        while path:
            if path in asked:  # a position that does not move on
                self.failed_rounds += 1
                return False
            asked.add(path)
            response = request(
                self.recorder, "mirror", self.session, self.bases, 0, "GET", path
            )
            if response is None or response.status_code != 200:
                self.failed_rounds += 1
                return False
            body = response.json()
            seen.update((row["id"], row["version"]) for row in body["results"])
            watermark = body["watermark"] or watermark
            following = body.get("next")
            path = following[following.index("/api/") :] if following else None
        self.rows.update(seen)
        self.watermark = watermark
        self.rounds += 1
        return True

    def follow(self, stop_at: float, every: float = 3.0) -> None:
        while time.monotonic() < stop_at:
            self.sync()
            time.sleep(every)


def watch_board(bases, login, recorder, stop_at, every=0.5) -> None:
    """A piket who never writes keeps Tonight open: kind `board`."""
    browser = requests.Session()
    browser.cookies.set("sessionid", login["session"])
    while time.monotonic() < stop_at:
        request(recorder, "board", browser, bases, 1, "GET", "/tonight/")
        time.sleep(every)


def watch_lag(lab, samples: list, stop_at: float, every: float = 2.0) -> None:
    """The replica's lag every few seconds, asked of PostgreSQL itself (the app's
    own view is in /healthz): (time, seconds, bytes) or (time, None, None) while
    it is down."""
    while time.monotonic() < stop_at:
        samples.append((time.monotonic(), *lab.lag()))
        time.sleep(every)
