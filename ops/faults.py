"""Outages and task faults (`make faults`, issue 7).

Starts its own throwaway PostgreSQL cluster and Redis server on spare ports of
127.0.0.1, loads the demo world, runs gunicorn, a Celery worker and beat against
them, and checks what happens when a worker's pool process or the whole worker dies
with SIGKILL mid-generation (the run comes back at once and equals a clean run), when
Redis stops (reads answer, writes answer at once and their tasks wait in the outbox,
then drain; each reminder is e-mailed exactly once) and when PostgreSQL stops (a
plain 503, then recovery without a restart). Prints, per check, PASS/FAIL, what is
expected and the figure measured, then a summary; exits 1 on any failure, including
a run that could not finish. Every process it starts is stopped on exit.

    python ops/faults.py [--keep]   (--keep leaves the temp dir for the logs)
"""

import argparse
import signal
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ops.lab import (
    ANSWER_SECONDS,
    DRAIN_SECONDS,
    PYTHON,
    RECOVER_SECONDS,
    TOTAL_SECONDS,
    Lab,
    check,
    login,
    results,
    scenario,
    timed,
    wait_for,
)
from ops.worker_faults import whole_worker_kill, worker_kill

# What a duty officer's blackout request leaves for the worker: the notice to those
# who decide it. (A commander's own blackout is approved at once and regenerates in
# its own transaction, which on this lab's 20,000-night plan alone takes ~5 s:
# a cost of the plan's history, not of the outage, so the drill asks as a piket.)
QUEUED_TASK = "notify_request_pending["


def redis_outage(lab: Lab, info: dict, read_key: str) -> None:
    scenario("Redis stopped")
    duty = login(lab, "piket.tambora")
    before = lab.log("worker").count(QUEUED_TASK)
    lab.appside("mailboxes")
    first_note = lab.appside("last_notification")["id"]
    reminder_at = lab.appside("reminder_at")["at"]
    lab.redis_stop()
    _reads_answer(lab, duty, {"Authorization": f"Bearer {read_key}"})
    _writes_answer(lab, duty, info)
    _reminders_wait(lab, reminder_at, first_note)
    lab.redis_start()
    _outbox_drains(lab, before)
    _reminders_go_once(lab, reminder_at, first_note)
    code, _seconds, _ = timed("GET", f"{lab.base}/healthz")
    check("healthz is 200 again with Redis back", code == 200, f"{code}")


def _reads_answer(lab: Lab, duty, api: dict) -> None:
    """Pages and API reads answer in time with Redis down."""
    for name, session, path, headers in [
        ("page Tonight", duty, "/tonight/", {}),
        ("page Roster", duty, "/roster/", {}),
        ("API shifts (key)", requests, "/api/v1/shifts/", api),
        ("API tonight (key)", requests, "/api/v1/nights/tonight/", api),
    ]:
        code, seconds, _ = timed("GET", f"{lab.base}{path}", headers=headers)
        if session is not requests:
            code, seconds = _session_get(session, f"{lab.base}{path}")
        check(
            f"{name} answers 200 within {ANSWER_SECONDS} s",
            code == 200 and seconds < ANSWER_SECONDS,
            f"{code} in {seconds:.2f} s",
        )


def _session_get(session, url: str) -> tuple:
    started = time.monotonic()
    try:
        code = session.get(url, timeout=10).status_code
    except requests.RequestException as exc:
        code = type(exc).__name__
    return code, time.monotonic() - started


def _session_post(session, url: str, **kwargs) -> tuple:
    """(status or exception name, seconds) of a POST with a 10 s timeout."""
    started = time.monotonic()
    try:
        code = session.post(url, timeout=10, **kwargs).status_code
    except requests.RequestException as exc:
        code = type(exc).__name__
    return code, time.monotonic() - started


def _writes_answer(lab: Lab, asker, info: dict) -> None:
    """A piket's blackout, by the API and by the page, answers at once and is
    stored; the notice to those who decide it waits in the outbox."""
    reason = f"faults {time.time_ns()}"
    start, end = info["window"]
    code, seconds = _session_post(
        asker,
        f"{lab.base}/api/v1/blackouts/",
        json={"precinct": "tambora", "start": start, "end": end, "reason": reason},
        headers={"X-CSRFToken": asker.cookies["csrftoken"],
                 "Referer": f"{lab.base}/"},
    )  # fmt: skip
    check(
        f"a write (a piket's blackout request, its notice queued) answers "
        f"2xx within {ANSWER_SECONDS} s",
        isinstance(code, int) and 200 <= code < 300 and seconds < ANSWER_SECONDS,
        f"{code} in {seconds:.2f} s",
    )
    page_reason = f"{reason} page"
    code, seconds = _session_post(
        asker,
        f"{lab.base}/requests/blackout/",
        data={
            "precinct": info["tambora"],
            "start": info["local_window"][0],
            "end": info["local_window"][1],
            "reason": page_reason,
            "csrfmiddlewaretoken": asker.cookies["csrftoken"],
        },
        headers={"Referer": f"{lab.base}/requests/"},
        allow_redirects=False,
    )
    check(
        f"a page write (the same blackout from the Requests page) answers "
        f"a redirect within {ANSWER_SECONDS} s",
        code == 302 and seconds < ANSWER_SECONDS,
        f"{code} in {seconds:.2f} s",
    )
    for label, marker in (("API", reason), ("page", page_reason)):
        stored = lab.appside("blackouts", marker)["count"]
        check(f"the {label} write is stored", stored == 1, f"{stored} row(s)")


def _reminders_wait(lab: Lab, reminder_at: str, first_note: int) -> None:
    """The reminders job (what beat runs) with the broker down: each reminder is
    stored and its delivery task waits in the outbox."""
    started = time.monotonic()
    done = lab.run(
        [PYTHON, "manage.py", "send_reminders", "--at", reminder_at], check=False
    )
    seconds = time.monotonic() - started
    check(
        "the reminders job finishes with Redis down (deliveries wait in the outbox)",
        done.returncode == 0,
        f"{done.stdout.strip() or done.stderr.strip()[-200:]} in {seconds:.1f} s",
    )
    waiting = lab.appside("outbox").get("pending", 0)
    notes = lab.appside("mails", lab.tmp / "mail", first_note)
    check(
        "the tasks of the writes and reminders are kept in the outbox",
        waiting >= 2 + notes["notifications"] and notes["notifications"] > 0,
        f"{waiting} pending, {notes['notifications']} reminder(s)",
    )


def _outbox_drains(lab: Lab, before: int) -> None:
    """Once Redis is back, the outbox drains and the decisions' queued notices run
    (an approval regenerates its nights itself, in its own transaction)."""
    started = time.monotonic()
    drained = wait_for(
        lambda: lab.appside("outbox").get("pending", 0) == 0, DRAIN_SECONDS, 1
    )
    check(
        f"after Redis returns, the outbox drains within {DRAIN_SECONDS} s",
        bool(drained),
        f"{time.monotonic() - started:.0f} s, {lab.appside('outbox')}",
    )
    ran = wait_for(
        lambda: lab.log("worker").count(QUEUED_TASK) > before
        and "succeeded" in lab.log("worker").split(QUEUED_TASK)[-1],
        60,
        0.5,
    )
    check(
        "the queued notices of the requests run (nothing lost)",
        bool(ran),
        "ran" if ran else f"no {QUEUED_TASK} task within 60 s",
    )


def _reminders_go_once(lab: Lab, reminder_at: str, first_note: int) -> None:
    """Every reminder is e-mailed exactly once, also after the job runs again."""

    def all_mailed():
        got = lab.appside("mails", lab.tmp / "mail", first_note)
        return got if got["emailed_at"] == got["notifications"] else None

    wait_for(all_mailed, 60, 1)
    again = lab.run(
        [PYTHON, "manage.py", "send_reminders", "--at", reminder_at], check=False
    )
    time.sleep(3)
    got = lab.appside("mails", lab.tmp / "mail", first_note)
    check(
        "every reminder goes out exactly once (also after the job runs again)",
        got["notifications"] > 0
        and got["mails"] == got["received"] == got["notifications"]
        and got["duplicates"] == 0
        and again.returncode == 0,
        f"{got['notifications']} reminder(s), {got['mails']} e-mail(s), "
        f"{got['duplicates']} duplicated; again: {again.stdout.strip()}",
    )


def postgres_outage(lab: Lab, read_key: str) -> None:
    scenario("PostgreSQL stopped")
    duty = login(lab, "piket.tambora")
    api = {"Authorization": f"Bearer {read_key}"}
    lab.pg_stop("fast")
    login_form = {
        "username": "piket.gambir",
        "password": "giliran-demo-2024",
        "csrfmiddlewaretoken": duty.cookies["csrftoken"],
    }
    for name, method, path, session, kwargs in [
        ("page Tonight (logged in)", "GET", "/tonight/", duty, {}),
        ("a login (POST)", "POST", "/login/", duty, {"data": login_form}),
        ("API shifts (key)", "GET", "/api/v1/shifts/", requests, {"headers": api}),
    ]:
        started = time.monotonic()
        try:
            response = session.request(
                method, f"{lab.base}{path}", timeout=10, allow_redirects=False,
                headers={"Referer": f"{lab.base}/login/"} | kwargs.pop("headers", {}),
                **kwargs,
            )  # fmt: skip
            code, body = response.status_code, response.text
        except requests.RequestException as exc:
            code, body = type(exc).__name__, ""
        seconds = time.monotonic() - started
        plain = "Traceback" not in body and "OperationalError" not in body
        check(
            f"{name} answers 503 within {ANSWER_SECONDS} s, a plain error",
            code == 503 and seconds < ANSWER_SECONDS and plain,
            f"{code} in {seconds:.2f} s",
        )
    lab.pg_start()
    started = time.monotonic()

    def back():
        try:
            return duty.get(f"{lab.base}/tonight/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    ok = wait_for(back, RECOVER_SECONDS, 0.5)
    check(
        f"after PostgreSQL returns, pages answer 200 within {RECOVER_SECONDS} s "
        "without a restart",
        bool(ok),
        f"{time.monotonic() - started:.1f} s",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    began = time.monotonic()
    lab = Lab(keep=args.keep)

    def bail(signum, frame):
        raise TimeoutError(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, bail)
    signal.signal(signal.SIGALRM, bail)
    signal.alarm(TOTAL_SECONDS)
    try:
        print(f"== Throwaway PostgreSQL :{lab.pg_port}, Redis :{lab.redis_port}, "
              f"gunicorn :{lab.app_port} in {lab.tmp}")  # fmt: skip
        lab.pg_init()
        lab.pg_start()
        lab.redis_start()
        lab.sql(f"CREATE DATABASE {lab.db}")
        lab.run([PYTHON, "manage.py", "migrate", "--noinput"])
        lab.run([PYTHON, "manage.py", "load_demo", "--force"])
        info = lab.appside("plan")
        read_key = lab.appside("apikey", "read")["key"]
        # A copy taken before anything runs: the reference for a clean generation.
        lab.sql(f"CREATE DATABASE giliran_faults_clean TEMPLATE {lab.db}")
        lab.start_app()
        worker_kill(lab, info)
        whole_worker_kill(lab, info)
        redis_outage(lab, info, read_key)
        postgres_outage(lab, read_key)
    except Exception as exc:
        check("the run finished", False, f"{type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        lab.cleanup()
    failed = [(where, name, detail) for where, name, ok, detail in results if not ok]
    print("\n== Summary")
    for title in dict.fromkeys(where for where, *_ in results):
        mine = [ok for where, _, ok, _ in results if where == title]
        print(f"{'PASS' if all(mine) else 'FAIL'}  {title}: {sum(mine)}/{len(mine)}")
    for where, name, detail in failed:
        print(f"      failed: {where}: {name} ({detail})")
    print(
        f"{len(results) - len(failed)} passed, {len(failed)} failed "
        f"in {time.monotonic() - began:.0f} s"
    )
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
