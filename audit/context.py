"""What the current request tells the audit trail: its id, address and user.

The middleware opens a context for each request; anything that records an event
during it (a service, a signal, a task run eagerly) finds it here.
"""

import contextvars
import re
import uuid
from dataclasses import dataclass

from django.http import HttpRequest

from common.clientip import client_ip

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept when it looks like one; anything else is replaced.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}\Z")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    request: HttpRequest | None = None
    # In a Celery task: the actor fields of the request that enqueued it.
    actor: dict | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def request_id_for(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SAFE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def open_for(request: HttpRequest) -> contextvars.Token:
    context = RequestContext(
        request_id=request_id_for(request), ip=client_ip(request), request=request
    )
    request.request_id = context.request_id
    return _current.set(context)


def open_for_task(data: dict) -> contextvars.Token:
    return _current.set(
        RequestContext(
            request_id=str(data.get("request_id", ""))[:64],
            ip=data.get("ip"),
            actor=data.get("actor") or None,
        )
    )


def close(token: contextvars.Token) -> None:
    _current.reset(token)
