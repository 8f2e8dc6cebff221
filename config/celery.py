import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("giliran")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="giliran.ping")
def ping() -> str:
    """Smoke task: proves a worker takes jobs from the broker and answers."""
    return "pong"
