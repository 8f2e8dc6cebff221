"""What every app shares and that imports no app: the bottom layer.

The JSON error shape (errors), statements compiled once by the ORM (statements),
the client's address (clientip), the read-only admin (admin), the database-down
answer (dbdown), the health check (health), the sane range of the dates requests
name (dates) and typed text made safe for the formats it leaves in (text).
Nothing here imports a Giliran app; import-linter holds that (pyproject.toml).
"""
