"""The fairness of a generated city-year: every plan's metrics (schedules.metrics),
against the bounds blackouts allow."""

import datetime as dt

from bench.city import ANCHOR, NIGHTS


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def measure(plans):
    """The shared metrics() of every stored plan-year, and its uncovered cells that
    some member could have taken (free of blackouts and below capacity)."""
    from schedules import metrics, rotation
    from schedules.models import Blackout, Shift
    from schedules.services import inputs

    measured, avoidable = [], 0
    for plan in plans:
        members = inputs.plan_members(plan)
        spec = inputs.plan_spec(plan, members)
        decisions = [
            rotation.Decision(n, s, a, b, p)
            for n, s, a, b, p in Shift.objects.filter(plan=plan)
            .exclude(status="cancelled")
            .order_by("night", "slot")
            .values_list("night", "slot", "start", "end", "precinct_id")
        ]
        cells = inputs.plan_cells(plan, ANCHOR, ANCHOR + dt.timedelta(NIGHTS - 1))
        blackouts = [
            rotation.Interval(*row)
            for row in Blackout.objects.approved()
            .filter(precinct__in=members)
            .values_list("precinct_id", "start", "end")
        ]
        busy = inputs.busy_intervals(
            plan, inputs.tight_members(plan, members), cells[0].start, cells[-1].end
        )
        unavailable = rotation.unavailability(
            spec, cells, blackouts=blackouts, busy=busy
        )
        measured.append(metrics.metrics(spec, decisions, unavailable=unavailable))
        avoidable += sum(
            1
            for d in decisions
            if d.member is None
            and len(unavailable.get((d.night, d.slot), {})) < len(members)
        )
    return measured, avoidable


def report(measured, avoidable, plans) -> None:
    """Print the fairness figures and PASS/FAIL against issue 3's targets."""
    minute = sorted(m.minute_spread // 60 - m.minute_bound_slots for m in measured)
    position = sorted(m.worst_position_spread - m.position_bound for m in measured)
    print(f"minute spread above the blackout-free bound, slots, per zone: {minute}")
    print(f"worst position spread above its bound, per zone: {position}")
    blackout = sum(m.violations["blackout"] for m in measured)
    capacity = sum(m.violations["capacity"] for m in measured)
    uncovered = sum(m.violations["uncovered"] for m in measured)
    longest = max(m.longest_run for m in measured)
    print(
        f"hard violations: blackout {blackout}, capacity {capacity}, uncovered "
        f"{uncovered} of which {avoidable} had a member free to take them: "
        f"{verdict(blackout == capacity == avoidable == 0)} (target 0; a slot every "
        "member is away from cannot be covered)"
    )
    print(
        f"longest run of one member in one slot position: {longest} nights: "
        f"{verdict(longest <= 2)} (target at most 2 where a schedule allows it)"
    )
    proven = sum(at_proven_optimum(m) for m in measured)
    print(
        f"zones at their proven optimum (both spreads at a lower bound): {proven} of "
        f"{len(measured)} = {proven / len(measured):.0%}"
    )
    seed = measured[0]
    print(f"{plans[0].code}: minutes per member, holdings per slot (worst first):")
    order = [slot for slot, _ in seed.position_spreads]
    for member, counts in seed.positions.items():
        print(
            f"  precinct {member}: {seed.minutes[member]} min, "
            + " ".join(f"s{slot}={counts[slot]}" for slot in order)
        )


def at_proven_optimum(m) -> bool:
    """Do both spreads sit at a lower bound, so that no schedule does better?

    Totals are integers: members' covered cells, or holdings of one slot
    position, summing to a number the members do not divide cannot be equal.
    (The bound holds with blackouts too: it counts the cells actually covered.)
    """
    size = len(m.minutes)
    covered = sum(m.minutes.values()) // m.slot_minutes if m.slot_minutes else 0
    slots = len(next(iter(m.positions.values()), []))
    per_slot = [sum(counts[s] for counts in m.positions.values()) for s in range(slots)]
    minute_bound = int(covered % size != 0)
    position_bound = max((int(t % size != 0) for t in per_slot), default=0)
    return (
        m.minute_spread // max(1, m.slot_minutes) <= minute_bound
        and m.worst_position_spread <= position_bound
    )
