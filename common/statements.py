"""Hot-path queries compiled by the ORM once, then run with each request's values.

Building a queryset and compiling it to SQL is Python work repeated on every request:
0.25 ms for the API key lookup and 0.4 ms for a zone-month of shifts (`.venv/bin/python
bench/pages.py --stages`), more than PostgreSQL needs to run either as a prepared
statement; a one-plan generation spent about 3 ms of its 7.6 ms building its reads
(`bench/rotation.py`'s fixed cost per run). A Statement builds its queryset once per
process, database and shape, with marks (values no request sends) where the request's
values go, and remembers which compiled parameter holds which mark; a request then only
puts its own values in their places. The SQL and the converters from database to Python
values stay the ORM's own, so the rows are the ORM's rows.

This holds on PostgreSQL, where the ORM passes the values these statements take
(strings, numbers, dates, aware datetimes, lists of ids) to the driver as they are.
Other databases get the queryset built and run by the ORM each time.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.db import connections
from django.db.models import QuerySet


class _Constant:
    """A compiled parameter that no mark produced (a constant of the query)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Statement:
    """`build(shape, *values)` gives a values_list() queryset; rows() runs it.

    `marks(shape)` gives, for that shape, one mark per value: a value of the
    right type that no request sends and that the query's code passes through
    unchanged (a compile that loses a mark is an error, not a wrong query).
    Shapes (which filters are present, the page size, ...) should be few; at
    most `keep` compiled shapes are remembered, the oldest first out.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        marks: Callable[[Hashable], tuple],
        *,
        keep: int = 256,
    ):
        self.build = build
        self.marks = marks
        self.keep = keep
        self._compiled: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, values: tuple, *, shape: Hashable = None, using: str = "default"):
        connection = connections[using]
        if connection.vendor != "postgresql":
            return list(self.build(shape, *values))
        sql, slots, converters, compiler = self._compile(connection, shape)
        params = [
            slot.value if type(slot) is _Constant else values[slot] for slot in slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        if converters:
            found = list(map(tuple, compiler.apply_converters(found, converters)))
        return found

    def sql(self, shape: Hashable = None, using: str = "default") -> str:
        return self._compile(connections[using], shape)[0]

    def _compile(self, connection, shape):
        key = (connection.alias, shape)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        marks = self.marks(shape)
        queryset = self.build(shape, *marks)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if compiler.col_count != len(compiler.select):
            raise ValueError("A Statement selects exactly the columns it returns.")
        slots = []
        for param in params:
            where = [
                i
                for i, mark in enumerate(marks)
                # isinstance: the driver may wrap a number (psycopg's Int8).
                if isinstance(param, type(mark)) and mark == param
            ]
            slots.append(where[0] if where else _Constant(param))
        lost = set(range(len(marks))) - {s for s in slots if type(s) is int}
        if lost:
            raise ValueError(
                f"The compiled query lost the marks {sorted(lost)}: choose marks "
                "the query passes through unchanged."
            )
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        # The compiler (and the query it holds) is kept only to apply converters.
        compiled = (sql, tuple(slots), converters, compiler if converters else None)
        with self._lock:
            # Oldest compiled first out: shapes seen again are compiled again.
            self._compiled[key] = compiled
            while len(self._compiled) > self.keep:
                self._compiled.popitem(last=False)
        return compiled
