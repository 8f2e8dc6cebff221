"""The gunicorn settings file the Dockerfile, compose and benches pick up."""

import gc
import runpy
from pathlib import Path

from django.conf import settings


def test_each_worker_freezes_what_it_loaded_before_serving():
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
