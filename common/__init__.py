"""What every app shares and that imports no app: the bottom layer.

The JSON error shape (errors), statements compiled once by the ORM (statements),
the client's address (clientip), the read-only admin (admin), the database-down
answer (dbdown) and the health check (health). Nothing here imports a Giliran app;
import-linter holds that (pyproject.toml).
"""
