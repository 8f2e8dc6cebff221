"""Settings for `make bench-api` only: the project's settings plus two reference
endpoints (bench/api_urls.py) that the API's figures are compared with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
