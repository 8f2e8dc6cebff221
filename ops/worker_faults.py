"""`make faults`: a worker's pool process, then the whole worker, killed with SIGKILL
in the middle of a generation (the run comes back at once and equals a clean one)."""

import datetime as dt
import os
import signal
import subprocess
import time

from ops.lab import (
    KILL_NIGHTS,
    WHOLE_WORKER_SECONDS,
    Lab,
    check,
    scenario,
    wait_for,
)


def worker_kill(lab: Lab, info: dict) -> None:
    scenario("A worker killed with SIGKILL in the middle of a generation")
    plan, start = info["plan"], info["tonight"]
    clean = lab.appside(
        "generate", plan, start, KILL_NIGHTS,
        env=lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean"),
                       "REDIS_URL": ""},
    )  # fmt: skip
    expected = lab.appside(
        "fingerprint", plan, start, KILL_NIGHTS,
        env=lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean")},
    )  # fmt: skip
    print(f"      clean run: {clean['seconds']:.1f} s, {expected['shifts']} shifts")
    task = lab.appside("enqueue", plan, start, KILL_NIGHTS)["task"]
    received = f"generate_plan[{task}] received"
    if not wait_for(lambda: received in lab.log("worker"), 30):
        check("the worker took the generation task", False, "not received in 30 s")
        return
    time.sleep(max(0.5, clean["seconds"] * 0.3))
    busy = lab.open_transactions()
    pool = lab.procs["worker"].pid
    children = subprocess.run(
        ["pgrep", "-P", str(pool)], capture_output=True, text=True
    ).stdout.split()
    still_running = f"generate_plan[{task}] succeeded" not in lab.log("worker")
    check(
        "the generation was still running when killed",
        bool(children) and still_running and busy > 0,
        f"pool process {children}, {busy} open transaction(s)",
    )
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    done = wait_for(
        lambda: f"generate_plan[{task}] succeeded" in lab.log("worker"),
        60 + clean["seconds"] * 4,
        0.5,
    )
    log = lab.log("worker")
    check(
        "the killed task ran again and succeeded",
        bool(done),
        "WorkerLostError seen" if "WorkerLostError" in log else "no WorkerLostError",
    )
    got = lab.appside("fingerprint", plan, start, KILL_NIGHTS)
    check(
        "no duplicate night and slot",
        got["duplicates"] == 0,
        f"{got['duplicates']} duplicated",
    )
    check(
        "every night whole (same slots per night as a clean run)",
        got["slot_counts"] == expected["slot_counts"]
        and got["nights"] == expected["nights"],
        f"{got['nights']} nights, slots {got['slot_counts']}",
    )
    check(
        "the result equals a clean run",
        got["digest"] == expected["digest"],
        f"{got['shifts']} vs {expected['shifts']} shifts",
    )


def whole_worker_kill(lab: Lab, info: dict) -> None:
    scenario("The whole worker (main process and pool) killed with SIGKILL")
    # Nights no run has generated yet, so the task has real work to do.
    plan = info["plan"]
    start = dt.date.fromisoformat(info["tonight"]) + dt.timedelta(days=KILL_NIGHTS)
    clean = lab.env | {"DATABASE_URL": lab.db_url("giliran_faults_clean")}
    lab.appside("generate", plan, start, KILL_NIGHTS, env=clean | {"REDIS_URL": ""})
    expected = lab.appside("fingerprint", plan, start, KILL_NIGHTS, env=clean)
    task = lab.appside("enqueue", plan, start, KILL_NIGHTS)["task"]
    if not wait_for(lambda: f"generate_plan[{task}] received" in lab.log("worker"), 30):
        check("the worker took the generation task", False, "not received in 30 s")
        return
    time.sleep(0.5)
    finished = f"generate_plan[{task}] succeeded" in lab.log("worker")
    lab.stop("worker", signal.SIGKILL)
    check("the generation was still running when killed", not finished)
    readies = lab.log("worker").count("ready.")
    lab.start_worker()
    wait_for(lambda: lab.log("worker").count("ready.") > readies, 60, 0.5)
    started = time.monotonic()
    ran = wait_for(
        lambda: f"generate_plan[{task}] succeeded" in lab.log("worker"),
        WHOLE_WORKER_SECONDS,
        0.5,
    )
    check(
        f"its task runs again on a new worker within {WHOLE_WORKER_SECONDS} s",
        bool(ran),
        f"after {time.monotonic() - started:.0f} s" if ran else lab.unacked(task),
    )
    got = lab.appside("fingerprint", plan, start, KILL_NIGHTS)
    check(
        "no duplicate night and slot, every night whole",
        got["duplicates"] == 0 and got["slot_counts"] == expected["slot_counts"],
        f"{got['duplicates']} duplicated, slots {got['slot_counts']}",
    )
    check(
        "the result equals a clean run",
        got["digest"] == expected["digest"],
        f"{got['shifts']} vs {expected['shifts']} shifts",
    )
    record = lab.appside("run", task)
    check(
        "its run record shows one recovery and success",
        record["status"] == "succeeded" and record.get("recoveries") == 1,
        f"{record}",
    )
