"""Which address the lockout and the audit trail see, with and without a proxy."""

import pytest
from django.test import RequestFactory

from common.clientip import client_ip


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_a_forwarded_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    request = _request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(request) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_sent(
    settings,
):
    settings.PROXY_COUNT = 1
    request = _request(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "seen"),
    [("", "10.0.0.2"), ("not-an-address", None), ("203.0.113.9;drop", None)],
)
def test_a_missing_or_malformed_forwarded_address_is_not_trusted(
    settings, forwarded, seen
):
    settings.PROXY_COUNT = 1
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == seen
