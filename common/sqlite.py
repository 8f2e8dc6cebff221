"""SQLite settings for the one-command try-out (no DATABASE_URL).

The server and `run_periodic` (or a Celery worker, with REDIS_URL) write to the
file at once. A transaction that begins deferred and then writes fails with
"database is locked" at once, whatever the timeout, when another process wrote
meanwhile; beginning IMMEDIATE takes the write lock up front, so it waits (up to
`timeout` seconds) instead. WAL lets readers go on beside the one writer.
"""

OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL;",
}
