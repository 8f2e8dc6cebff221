"""The rotation generator's pure core: who holds each slot of each duty night, and why.

No ORM here: plain dataclasses in and out, so the service, the benchmark and the
property tests all drive the same code.

The generator walks the nights in order. Each cell (one slot of one night) has a
default holder, the *turn*; a member that cannot serve hands its turn to the
eligible member furthest behind its due, and the fairness ledger remembers the
debt until a later turn repays it. The ledger is a function of the cells already
decided, so generating a range in pieces gives the same schedule as generating it
at once, and regenerating with unchanged inputs changes nothing.
"""

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from schedules.rotation.busy import BLACKOUT, CAPACITY, unavailability  # noqa: F401
from schedules.rotation.staffed import STAFFING, NightLoad, turns_tonight

ROTATION = "rotation"  # the strategies: ROTATION, BLOCK
BLOCK = "block"

# Reasons a cell went to its holder (the values of models.Reason).
TURN = "rotation"
SUBSTITUTE = "substitute"
REPAYMENT = "repayment"
SWAP = "swap"
MANUAL = "manual"

# Why a turn was handed on (and BLACKOUT, CAPACITY, STAFFING above).
RUN = "run"
DEBT = "debt"
POSITION = "position"

# No member should hold one slot position more nights in a row than this.
MAX_RUN = 2
# Nights beyond a range the generator must see to honour MAX_RUN at its end.
LOOKAHEAD_NIGHTS = MAX_RUN

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the core needs to know about a rotation plan."""

    members: tuple[int, ...]
    slots: int
    anchor: dt.date
    strategy: str = ROTATION
    # Posts a member can hold at once; a missing member holds one.
    capacity: Mapping[int, int] = field(default_factory=dict)

    def default_table(self) -> list[list[int]]:
        """Member index of each slot for the P nights of one rotation cycle.

        Turns go round the members in plan order and carry on from night to night,
        so any run of consecutive nights splits the minutes as evenly as the cells
        allow. When the slot count and the member count share a factor g, the order
        inside a night is shifted by one every P/g nights so that every run of P
        nights still gives each member each slot position exactly once. When the
        slot count leaves remainder 1 this is the turn (slot + night) mod P.
        """
        size, slots = len(self.members), self.slots
        if self.strategy == BLOCK:
            return [[night] * slots for night in range(size)]
        shared = math.gcd(slots, size)
        table = []
        for night in range(size):
            shift = night * shared // size
            table.append(
                [(night * slots + (s + shift) % slots) % size for s in range(slots)]
            )
        return table

    def night_index(self, night: dt.date) -> int:
        return (night - self.anchor).days


@dataclass(slots=True, order=True)
class Cell:
    """One slot of one duty night."""

    night: dt.date
    slot: int
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class Interval:
    """A member is busy (blackout, or a post in another plan) from start to end."""

    member: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class Held:
    """A cell already decided: a stored shift before the range, or a frozen one.

    member None means nobody holds it (uncovered, or cancelled by hand); such a cell
    counts for nobody, not even as a debt of the member whose turn it was.
    """

    night: dt.date
    slot: int
    member: int | None
    minutes: int
    reason: str = TURN
    substitute_for: int | None = None


@dataclass(slots=True)
class Decision:
    """Who holds a cell and why; member None means no member can take it."""

    night: dt.date
    slot: int
    start: dt.datetime
    end: dt.datetime
    member: int | None
    reason: str = TURN
    substitute_for: int | None = None
    cause: str = ""
    frozen: bool = False

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60

    @property
    def uncovered(self) -> bool:
        return self.member is None and not self.frozen


@dataclass
class Ledger:
    """The fairness state after some nights; a function of the cells held so far.

    balance: minutes held minus minutes due by the turns (negative: the member owes
    service). position: holdings of a slot position minus turns at it. recent: the
    holders of each position on the last MAX_RUN nights, for run lengths.
    minutes and holdings: minutes held, and holdings of each slot position.
    """

    balance: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    position: dict[tuple[int, int], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    recent: dict[int, list[tuple[dt.date, int | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    minutes: Counter = field(default_factory=Counter)
    holdings: Counter = field(default_factory=Counter)

    @classmethod
    def from_history(cls, plan: Plan, history: Iterable[Held]) -> "Ledger":
        ledger = cls()
        table = plan.default_table()
        size = len(plan.members)
        for held in sorted(history, key=lambda h: (h.night, h.slot)):
            turns = table[plan.night_index(held.night) % size]
            if held.slot >= len(turns):
                # A slot of a longer window the rules no longer have: nobody's
                # turn under them, so it is nobody's credit or debt.
                continue
            due = plan.members[turns[held.slot]]
            ledger.record(held.night, held.slot, held.member, due, held.minutes)
        return ledger

    def record(
        self,
        night: dt.date,
        slot: int,
        member: int | None,
        due: int,
        minutes: int,
    ) -> None:
        if member is not None:
            self.balance[member] += minutes
            self.balance[due] -= minutes
            self.position[member, slot] += 1
            self.position[due, slot] -= 1
            self.minutes[member] += minutes
            self.holdings[member, slot] += 1
        recent = self.recent[slot]
        recent.append((night, member))
        if len(recent) > MAX_RUN:
            del recent[0]

    def copy(self) -> "Ledger":
        other = Ledger()
        other.balance.update(self.balance)
        other.position.update(self.position)
        other.minutes.update(self.minutes)
        other.holdings.update(self.holdings)
        for slot, recent in self.recent.items():
            other.recent[slot] = list(recent)
        return other

    def back_run(self, night: dt.date, slot: int, member: int) -> int:
        """Nights in a row before `night` on which the member held this position."""
        run, expected = 0, night - ONE_DAY
        for held_night, holder in reversed(self.recent.get(slot, ())):
            if held_night != expected or holder != member:
                break
            run += 1
            expected -= ONE_DAY
        return run


@dataclass
class Schedule:
    decisions: list[Decision]
    ledger: Ledger
    exact: object = None  # the exact window of a plan's end (rotation.exact)

    @property
    def uncovered(self) -> list[Decision]:
        return [d for d in self.decisions if d.uncovered]


def generate(
    plan: Plan,
    cells: Sequence[Cell],
    *,
    ledger: Ledger | None = None,
    frozen: Mapping[tuple[dt.date, int], Held] | None = None,
    blackouts: Iterable[Interval] = (),
    busy: Iterable[Interval] = (),
    lookahead: Sequence[Cell] = (),
    until: dt.date | None = None,
    limits: Mapping[tuple[int, dt.date], int] | None = None,
    prefer: Mapping[tuple[dt.date, int], int | None] | None = None,
) -> Schedule:
    """Decide every cell in `cells` (sorted by night and slot) after `ledger`.

    `frozen` cells keep their holder and only feed the ledger. `lookahead` holds the
    cells of the lookahead_nights() nights after the range: they are not decided,
    but runs are avoided and debts repaid with them in view, so a range decided in
    pieces (each with its look-ahead) matches one decided at once. `until` is the
    plan's last night, if it has one: turns missed too close to it to be repaid
    afterwards are paid in advance. `limits` caps the slots a member may hold on
    a night, {(member, night): slots} (schedules.rotation.staffed). With `until`
    in view, the plan's last nights are decided exactly (rotation.ending), a tie
    going to the `prefer`red holder of a cell (the stored one on a repair).
    """
    frozen, blackouts, busy = frozen or {}, list(blackouts), list(busy)
    if until is not None:
        from schedules.rotation import ending

        done = ending.generate_ending(
            plan, cells, ledger=ledger, frozen=frozen, blackouts=blackouts,
            busy=busy, lookahead=lookahead, until=until, limits=limits, prefer=prefer,
        )  # fmt: skip
        if done is not None:
            return done
    load = NightLoad(limits, ((h.member, night) for (night, _), h in frozen.items()))
    return _Generator(plan, cells, ledger, frozen, lookahead, blackouts, busy, until)(
        load
    )


def lookahead_nights(plan: Plan) -> int:
    """Nights after a range that decisions inside it may look at."""
    return max(MAX_RUN, len(plan.members))


class _Generator:
    """One pass over the cells; a class only to share the state of the pass."""

    def __init__(self, plan, cells, ledger, frozen, lookahead, blackouts, busy, until):
        self.plan = plan
        self.cells = cells
        self.known = [*cells, *lookahead]
        self.ledger = ledger.copy() if ledger is not None else Ledger()
        self.frozen = frozen
        self.blocked = unavailability(plan, self.known, blackouts=blackouts, busy=busy)
        members = plan.members
        self.size = len(members)
        self.order = {member: i for i, member in enumerate(members)}
        table = [[members[i] for i in row] for row in plan.default_table()]
        self.dues = [
            table[plan.night_index(c.night) % self.size][c.slot] for c in self.known
        ]
        self.window = lookahead_nights(plan)
        self.last_known = self.known[-1].night if self.known else None
        # Past the known cells the future is open unless the plan ends there.
        self.open_ended = until is None or (
            self.last_known is not None and until > self.last_known
        )
        # Cells where exactly one member can serve (or a frozen holder sits) force
        # that member; they are what the run look-ahead must see.
        self.forced: dict[tuple[dt.date, int], int | None] = {
            key: held.member for key, held in frozen.items()
        }
        for key, out in self.blocked.items():
            if key not in frozen and len(out) == self.size - 1:
                self.forced[key] = next(m for m in members if m not in out)
        # Turns a member will miss so close to the plan's end that no repayment can
        # follow them; the member pays them in advance.
        self.late_losses: dict[int, list[int]] = defaultdict(list)
        for i, cell in enumerate(self.known if until is not None else ()):
            out = self.blocked.get((cell.night, cell.slot))
            due = self.dues[i]
            if (
                out
                and due in out
                and (cell.night, cell.slot) not in frozen
                and (cell.night - until).days + self.window > 0
            ):
                self.late_losses[due].append(i)

    def __call__(self, load: NightLoad) -> Schedule:
        self.load = load
        decisions = []
        previous = None
        ledger = self.ledger
        for i, cell in enumerate(self.cells):
            key = (cell.night, cell.slot)
            held = self.frozen.get(key)
            if held is not None:
                decision = Decision(
                    cell.night,
                    cell.slot,
                    cell.start,
                    cell.end,
                    held.member,
                    held.reason,
                    held.substitute_for,
                    frozen=True,
                )
            else:
                decision = self.decide(i, cell, previous)
                load.add(decision.member, cell.night)
            ledger.record(
                cell.night, cell.slot, decision.member, self.dues[i], cell.minutes
            )
            decisions.append(decision)
            previous = decision
        return Schedule(decisions, ledger)

    def run_length(self, night: dt.date, slot: int, member: int) -> int:
        run = self.ledger.back_run(night, slot, member) + 1
        ahead = night + ONE_DAY
        while self.forced.get((ahead, slot), -1) == member and run <= MAX_RUN:
            run += 1
            ahead += ONE_DAY
        return run

    def projected(self, i: int, member: int) -> int:
        """The member's balance less the late turns it will miss in the window."""
        return self.ledger.balance[member] - self.late_due(i, member)

    def late_due(self, i: int, member: int) -> int:
        """Minutes of late turns the member will miss within the window after i."""
        losses = self.late_losses.get(member)
        if not losses:
            return 0
        horizon = self.known[i].night + dt.timedelta(days=self.window)
        return sum(
            self.known[j].minutes
            for j in losses
            if j > i and self.known[j].night <= horizon
        )

    def rank(self, i: int, member: int, slot: int, due: int) -> tuple[int, int, int]:
        """Who is furthest behind: balance, then holdings of the slot, then order."""
        # Only whether a member is behind, even or ahead counts, not by how much:
        # where one member is often away, exact balances would let any new
        # blackout re-pair every later substitution.
        unit = self.known[i].minutes
        return (
            max(-unit, min(unit, self.projected(i, member))),
            self.ledger.position[member, slot],
            (self.order[member] - self.order[due]) % self.size,
        )

    def decide(self, i: int, cell: Cell, previous: Decision | None) -> Decision:
        plan, slot = self.plan, cell.slot
        balance, position = self.ledger.balance, self.ledger.position
        due = self.dues[i]
        out = self.load.out(
            self.blocked.get((cell.night, slot), {}), plan.members, cell.night
        )
        if (
            self.load.limits
            and due not in out
            and self.load.hands_on(
                due, cell.night, slot, turns_tonight(self, i, due), position
            )
        ):
            out = {**out, due: STAFFING}
        if due in out:
            candidates = [m for m in plan.members if m not in out]
            if not candidates:
                return Decision(
                    cell.night, slot, cell.start, cell.end, None, SUBSTITUTE, due,
                    out[due],
                )  # fmt: skip
            # A block night stays with one substitute where it can.
            keep = None
            if (
                plan.strategy == BLOCK
                and previous is not None
                and previous.night == cell.night
                and previous.reason == SUBSTITUTE
                and previous.substitute_for == due
            ):
                keep = previous.member
            member = min(
                candidates,
                key=lambda m: (
                    self.run_length(cell.night, slot, m) > MAX_RUN,
                    m != keep,
                    *self.rank(i, m, slot, due),
                ),
            )
            return Decision(
                cell.night, slot, cell.start, cell.end, member, SUBSTITUTE, due,
                out[due],
            )  # fmt: skip
        # The turn is free to serve. It still goes to another member when a debtor
        # can repay it, when a member must pay ahead for a turn it will miss, or
        # when keeping it would make a run longer than MAX_RUN.
        overrun = self.run_length(cell.night, slot, due) > MAX_RUN
        if (
            balance[due] <= 0
            and position[due, slot] <= 0
            and not overrun
            and not self.late_losses
        ):
            return Decision(cell.night, slot, cell.start, cell.end, due)
        others = [
            m
            for m in plan.members
            if m != due
            and m not in out
            and self.run_length(cell.night, slot, m) <= MAX_RUN
            and not self.load.picky(m, self.known, i, position)
        ]
        credit = self.projected(i, due)
        if credit > 0:
            debtors = [m for m in others if self.projected(i, m) < 0]
            # Repay at a slot position the two are off by, unless the known future
            # offers no such turn soon: then minutes come first.
            fitting = (
                [m for m in debtors if position[m, slot] < 0 < position[due, slot]]
                or [
                    m
                    for m in debtors
                    if (position[m, slot] < 0 or position[due, slot] > 0)
                    and not self.fitting_turn_ahead(i, m, due, exact=True)
                ]
                or [m for m in debtors if not self.fitting_turn_ahead(i, m, due)]
                # A debt that keeps growing (a member often busy elsewhere) is
                # repaid at any position: minutes come first.
                or [
                    m
                    for m in debtors
                    if self.projected(i, m) <= -2 * self.size * cell.minutes
                ]
            )
            if fitting:
                member = min(fitting, key=lambda m: self.rank(i, m, slot, due))
                return Decision(
                    cell.night, slot, cell.start, cell.end, member, REPAYMENT, due,
                    DEBT,
                )  # fmt: skip
            # A debtor kept away from the creditor's turns passes the debt on: a
            # member at par takes the turn now and is repaid by the debtor later.
            stuck = [
                m
                for m in plan.members
                if not debtors
                and self.projected(i, m) < 0
                and not self.turn_ahead(i, m, due)
            ]
            relay = [
                m
                for m in others
                if stuck
                and self.projected(i, m) == 0
                and any(self.turn_ahead(i, d, m) for d in stuck)
            ]
            if relay:
                member = min(relay, key=lambda m: self.rank(i, m, slot, due))
                return Decision(
                    cell.night, slot, cell.start, cell.end, member, REPAYMENT,
                    due, DEBT,
                )  # fmt: skip
        # A member that will cover late missed turns may lend them in advance.
        if (
            self.late_losses
            and due not in self.late_losses
            and credit - cell.minutes
            >= -sum(self.late_due(i, m) for m in self.late_losses)
        ):
            ahead = [m for m in others if self.owes_ahead(i, m, slot)]
            if ahead:
                member = min(ahead, key=lambda m: self.rank(i, m, slot, due))
                return Decision(
                    cell.night, slot, cell.start, cell.end, member, REPAYMENT, due,
                    DEBT,
                )  # fmt: skip
        if credit >= 0 and position[due, slot] > 0:
            # Trade hours back: the member short of this slot position takes it
            # and repays the minutes later at a position where it is ahead.
            short = [
                m
                for m in others
                if position[m, slot] < 0
                and self.projected(i, m) <= 0
                and self.fitting_turn_ahead(i, due, m)
            ]
            if short:
                member = min(short, key=lambda m: self.rank(i, m, slot, due))
                return Decision(
                    cell.night, slot, cell.start, cell.end, member, REPAYMENT, due,
                    POSITION,
                )  # fmt: skip
        if overrun and others:
            member = min(others, key=lambda m: self.rank(i, m, slot, due))
            return Decision(
                cell.night, slot, cell.start, cell.end, member, SUBSTITUTE, due, RUN
            )
        return Decision(cell.night, slot, cell.start, cell.end, due)

    def fitting_turn_ahead(
        self, i: int, debtor: int, creditor: int, *, exact: bool = False
    ) -> bool:
        """Does a turn of the creditor come soon at a position the debtor is short
        of or the creditor ahead at (with `exact`, both)?"""
        position = self.ledger.position
        limit = self.known[i].night + dt.timedelta(days=self.window)
        for j in range(i + 1, len(self.known)):
            cell = self.known[j]
            if cell.night > limit:
                return False
            if (
                self.dues[j] == creditor
                and debtor not in self.blocked.get((cell.night, cell.slot), ())
                and (
                    position[debtor, cell.slot] < 0 < position[creditor, cell.slot]
                    if exact
                    else position[debtor, cell.slot] < 0
                    or position[creditor, cell.slot] > 0
                )
            ):
                return True
        return self.unknown_after(limit)

    def unknown_after(self, limit: dt.date) -> bool:
        """Could turns before `limit` lie beyond the known cells?"""
        return self.open_ended and (self.last_known is None or self.last_known < limit)

    def turn_ahead(self, i: int, debtor: int, creditor: int) -> bool:
        """Is the debtor free on some turn of the creditor within the window?"""
        limit = self.known[i].night + dt.timedelta(days=self.window)
        for j in range(i + 1, len(self.known)):
            cell = self.known[j]
            if cell.night > limit:
                return False
            if self.dues[j] == creditor and debtor not in self.blocked.get(
                (cell.night, cell.slot), ()
            ):
                return True
        return self.unknown_after(limit)

    def owes_ahead(self, i: int, member: int, slot: int) -> bool:
        """Must the member take this turn to pay ahead for a late missed turn?"""
        due_minutes = self.late_due(i, member)
        if not due_minutes or self.ledger.balance[member] >= due_minutes:
            return False
        # Only the losses late_due() counts: the ones within the window. A loss
        # further on is not known to a range decided in pieces, so letting it
        # steer this turn would make pieces differ from a range decided at once.
        horizon = self.known[i].night + dt.timedelta(days=self.window)
        losses = [
            j
            for j in self.late_losses[member]
            if j > i and self.known[j].night <= horizon
        ]
        # Pay at the slot position of a coming loss; at another one only when no
        # such turn comes before the loss.
        wanted = {self.known[j].slot for j in losses}
        if slot in wanted:
            return True
        return not any(
            self.known[j].slot in wanted
            and self.dues[j] != member
            and member
            not in self.blocked.get((self.known[j].night, self.known[j].slot), ())
            for j in range(i + 1, losses[0])
        )


def cells_for(
    nights: Iterable[dt.date],
    bounds: Callable[[dt.date], Sequence[tuple[dt.datetime, dt.datetime]]],
) -> list[Cell]:
    """The cells of the given nights, with slot bounds from `bounds(night)`."""
    return [
        Cell(night, slot, start, end)
        for night in nights
        for slot, (start, end) in enumerate(bounds(night))
    ]
