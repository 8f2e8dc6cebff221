"""The exact optimum of a plan's last nights: OR-Tools CP-SAT on a small window.

A plan with an end date is judged on its totals at the end: the greedy walk
(schedules.rotation) cannot see far enough ahead to pay every late debt, so the
last nights of such a plan, window_nights() of them, are decided by a model that
sees them all at once. It minimises, in this order (each stage fixed at its
optimum before the next):

1. the cells left uncovered (only staffing limits can leave a free cell so);
2. the spread of minutes held over the plan's life (history and window);
3. the worst slot position's spread of holdings;
4. runs of one member in one position three nights in a row (the run cap is
   soft: it gives way only where it alone stands between the schedule and the
   fairest one), then the cells that differ from a preferred holder (the stored
   schedule on a regeneration, else the greedy walk's): a repair changes the
   fewest cells that keep the optimum.

Blackouts, capacity and staffing limits are hard; frozen cells are constants.
The solver runs on one worker with a deterministic time limit, so the same
inputs always give the same schedule; without ortools, or without a solution in
time, the greedy walk's decisions stand.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from schedules.rotation import scoring

try:  # pragma: no cover - ortools is a runtime dependency; the fallback is greedy
    from ortools.sat.python import cp_model
except ImportError:  # pragma: no cover
    cp_model = None

# The window holds at most this many (cell, member) choices.
EXACT_CHOICES = 600
# ... and at most this many nights.
MAX_NIGHTS = 91
# CP-SAT's deterministic time limit per stage (roughly seconds of one core).
STAGE_LIMIT = 2.0
LAST_STAGE_LIMIT = 0.5
ONE_DAY = dt.timedelta(days=1)


def available() -> bool:
    return cp_model is not None


def window_nights(slots: int, members: int) -> int:
    """How many of a plan's last nights the exact model decides."""
    return max(1, min(MAX_NIGHTS, EXACT_CHOICES // max(1, slots * members)))


@dataclass
class Window:
    """The cells of a plan's last nights and all the model needs about them."""

    members: tuple[int, ...]
    cells: Sequence  # rotation.Cell, sorted
    dues: Sequence[int]
    # {index: {member: cause}} of members who cannot take the cell
    out: Mapping[int, Mapping[int, str]]
    # {index: holder} of frozen cells (holder None: nobody)
    frozen: Mapping[int, int | None]
    limits: Mapping[tuple[int, dt.date], int]
    prefer: Mapping[int, int | None]
    # minutes held and holdings per (member, slot) before the window
    minutes: Mapping[int, int]
    holdings: Mapping[tuple[int, int], int]
    # {slot: [(night, holder)]} of the nights just before the window
    recent: Mapping[int, Sequence[tuple[dt.date, int | None]]] = field(
        default_factory=dict
    )
    # Set by solve(): how the window came out.
    proven: bool = False
    runs: int = 0
    changed: int = 0


class _Model:
    """The CP-SAT model of one window."""

    def __init__(self, window: Window):
        self.w = window
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], object] = {}
        for i, _cell in enumerate(window.cells):
            if i in window.frozen:
                continue
            for member in window.members:
                if member not in window.out.get(i, ()):
                    self.x[i, member] = self.model.new_bool_var(f"x{i}_{member}")
        self.covered = []
        # Every cell some member can take is taken (no staffing limits).
        self.exact_cover = not window.limits
        # Cells covered at the first stage's optimum, where limits leave some.
        self.covered_count = None if window.limits else 0
        for i in range(len(window.cells)):
            choices = [v for (j, _), v in self._of_cell(i)]
            if choices and window.limits:
                self.model.add(sum(choices) <= 1)
                self.covered.extend(choices)
            elif choices:
                self.model.add_exactly_one(choices)
        self._limits()

    def _of_cell(self, i: int):
        return [((i, m), self.x[i, m]) for m in self.w.members if (i, m) in self.x]

    def _limits(self) -> None:
        w = self.w
        by_night: dict[tuple[int, dt.date], list] = defaultdict(list)
        fixed: dict[tuple[int, dt.date], int] = defaultdict(int)
        for i, cell in enumerate(w.cells):
            holder = w.frozen.get(i)
            if holder is not None:
                fixed[holder, cell.night] += 1
            for m in w.members:
                if (i, m) in self.x:
                    by_night[m, cell.night].append(self.x[i, m])
        for key, limit in w.limits.items():
            if by_night.get(key):
                self.model.add(sum(by_night[key]) <= max(0, limit - fixed[key]))

    def spread(self, totals: list, top: int):
        high = self.model.new_int_var(0, top, "")
        low = self.model.new_int_var(0, top, "")
        for total in totals:
            self.model.add(total <= high)
            self.model.add(total >= low)
        return high - low

    def spread_at_least_one(self, totals: list, constant: bool) -> int:
        """1 when the totals are integers of a fixed sum not divisible by the
        members: no schedule splits them evenly (a bound CP-SAT does not find)."""
        if not constant or not self.exact_cover:
            return 0
        return int(sum(totals) % len(self.w.members) != 0)

    def minute_spread(self):
        w = self.w
        unit = math.gcd(*(c.minutes for c in w.cells), *w.minutes.values())
        unit = unit or 1
        fixed = {
            m: w.minutes.get(m, 0) // unit
            + sum(w.cells[i].minutes // unit for i, h in w.frozen.items() if h == m)
            for m in w.members
        }
        free = sum(
            c.minutes // unit
            for i, c in enumerate(w.cells)
            if i not in w.frozen and any((i, m) in self.x for m in w.members)
        )
        totals = [
            fixed[m]
            + sum(
                w.cells[i].minutes // unit * v
                for (i, mm), v in self.x.items()
                if mm == m
            )
            for m in w.members
        ]
        spread = self.spread(totals, sum(fixed.values()) + free)
        self.model.add(
            spread >= self.spread_at_least_one([sum(fixed.values()) + free], True)
        )
        sizes = {c.minutes for c in w.cells}
        if self.covered and self.covered_count is not None and len(sizes) == 1:
            # Limits leave cells uncovered, but how many is fixed by now.
            covered = sum(fixed.values()) + self.covered_count * sizes.pop() // unit
            self.model.add(spread >= int(covered % len(w.members) != 0))
        return spread

    def position_spread(self):
        w = self.w
        slots = sorted({c.slot for c in w.cells})
        top = len(w.cells) + sum(w.holdings.values())
        worst = self.model.new_int_var(0, top, "")
        for slot in slots:
            totals = []
            for m in w.members:
                fixed = w.holdings.get((m, slot), 0) + sum(
                    1 for i, h in w.frozen.items() if h == m and w.cells[i].slot == slot
                )
                totals.append(
                    fixed
                    + sum(
                        v
                        for (i, mm), v in self.x.items()
                        if mm == m and w.cells[i].slot == slot
                    )
                )
            spread = self.spread(totals, top)
            self.model.add(spread <= worst)
            every = sum(
                1
                for i, c in enumerate(w.cells)
                if c.slot == slot
                and ((i in w.frozen and w.frozen[i] is not None) or self._of_cell(i))
            ) + sum(w.holdings.get((m, slot), 0) for m in w.members)
            self.model.add(worst >= self.spread_at_least_one([every], True))
        return worst

    def holds(self, night: dt.date, slot: int, member: int):
        """1, 0 or a variable: does the member hold this cell?"""
        i = self.index.get((night, slot))
        if i is None:
            for held_night, holder in self.w.recent.get(slot, ()):
                if held_night == night:
                    return int(holder == member)
            return 0
        if i in self.w.frozen:
            return int(self.w.frozen[i] == member)
        return self.x.get((i, member), 0)

    def runs(self) -> list:
        """A variable per three nights in a row one member may hold one slot."""
        w = self.w
        self.index = {(c.night, c.slot): i for i, c in enumerate(w.cells)}
        found = []
        for cell in w.cells:
            for m in w.members:
                three = [
                    self.holds(cell.night - k * ONE_DAY, cell.slot, m)
                    for k in (2, 1, 0)
                ]
                if any(isinstance(h, int) and h == 0 for h in three):
                    continue
                if all(isinstance(h, int) for h in three):
                    continue  # held by history and frozen cells: nothing to decide
                run = self.model.new_bool_var("")
                self.model.add(run >= sum(three) - 2)
                found.append(run)
        return found

    def changes(self) -> list:
        w = self.w
        found = []
        for i, holder in w.prefer.items():
            if i in w.frozen:
                continue
            if holder is not None and (i, holder) in self.x:
                found.append(1 - self.x[i, holder])
            elif holder is not None:
                found.append(1)
        return found


def _solver(limit: float = STAGE_LIMIT):
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = limit
    return solver


def solve(window: Window) -> list[int | None] | None:
    """The holder of each window cell at the optimum (see the module), or None
    when ortools is missing or no solution was found in time."""
    if not window.cells:
        return None
    holders = {**window.prefer, **window.frozen}
    bound = scoring.bounds(window)
    if scoring.feasible(window, holders) and scoring.scoring(window, holders) == bound:
        # The preferred holders already sit at every bound: proven, no solver.
        window.proven, window.runs, window.changed = True, bound[2], 0
        return [holders.get(i) for i in range(len(window.cells))]
    if cp_model is None:
        return None
    m = _Model(window)
    runs, changes = m.runs(), m.changes()
    stages = [m.minute_spread, m.position_spread]

    def cover():
        return -sum(m.covered)

    if window.limits and m.covered:
        stages.insert(0, cover)

    def last():
        return sum(runs) * (len(changes) + 1) + sum(changes)

    stages.append(last)
    proven = True
    hint = dict(window.prefer)
    for stage in stages:
        objective = stage()
        _hint(m, hint)
        m.model.minimize(objective)
        # Fairness is proven or not; the runs and changes stage gets less time.
        solver = _solver(LAST_STAGE_LIMIT if stage is last else STAGE_LIMIT)
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        proven &= status == cp_model.OPTIMAL or stage is last
        value = round(solver.objective_value)
        m.model.add(objective <= value)
        if stage is cover:
            m.covered_count = -value
        hint = _holders(m, solver)
    window.proven = proven
    window.runs = sum(solver.value(r) for r in runs)
    window.changed = sum(
        1
        for i, holder in window.prefer.items()
        if i not in window.frozen and hint.get(i) != holder
    )
    return [
        window.frozen[i] if i in window.frozen else hint.get(i)
        for i in range(len(window.cells))
    ]


def _hint(m: _Model, holders: Mapping[int, int | None]) -> None:
    m.model.clear_hints()
    for (i, member), var in m.x.items():
        m.model.add_hint(var, holders.get(i) == member)


def _holders(m: _Model, solver) -> dict[int, int | None]:
    found: dict[int, int | None] = {}
    for (i, member), var in m.x.items():
        if solver.value(var):
            found[i] = member
    return found
