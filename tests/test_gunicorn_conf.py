"""The gunicorn settings file the Dockerfile, compose and benches pick up."""

import datetime as dt
import gc
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from gunicorn.config import Config


def test_each_worker_freezes_what_it_loaded_before_serving():
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def _access_line(tmp_path, path: str, query: str, referer: str = "-") -> str:
    """The access-log line gunicorn writes, with the logger gunicorn.conf.py sets."""
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = conf["logger_class"](config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "DAVx5",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, dt.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


def test_the_access_log_never_holds_a_calendar_feed_token(tmp_path):
    secret = "f3Ed-s3cr3t-Tok3n"
    line = _access_line(tmp_path, "/calendar/precincts/tambora.ics", f"token={secret}")
    assert secret not in line
    assert "GET /calendar/precincts/tambora.ics?[redacted] HTTP/1.1" in line
    assert '" 200 512 ' in line


def test_a_token_elsewhere_is_redacted_and_other_queries_are_kept(tmp_path):
    line = _access_line(
        tmp_path,
        "/api/v1/shifts/",
        "night=2024-01-22&zone=bkb",
        referer="https://giliran.example/calendar/zones/x.ics?token=abc123",
    )
    assert "GET /api/v1/shifts/?night=2024-01-22&zone=bkb HTTP/1.1" in line
    assert "abc123" not in line


def test_the_shipped_commands_keep_the_access_log_of_gunicorn_conf():
    """The Dockerfile and compose serve from the project directory, where gunicorn
    finds gunicorn.conf.py, and override neither its logger nor its format."""
    root = Path(settings.BASE_DIR)
    dockerfile = (root / "Dockerfile").read_text()
    commands = [
        command
        for text in (dockerfile, (root / "docker-compose.yml").read_text())
        for command in re.findall(r"gunicorn\b[^\n]*", text)
        if "config.wsgi" in command
    ]
    assert len(commands) == 2
    for command in commands:
        assert "--access-logfile" in command
        for option in ("--logger-class", "--access-logformat", " -c ", "--config"):
            assert option not in command
    assert "WORKDIR /app" in dockerfile
