from audit import context, services
from audit.models import Action, Outcome
from common.keys import key_prefix


def _key_prefix(request) -> str:
    parts = request.headers.get("Authorization", "").split()
    prefix = key_prefix(parts[1]) if len(parts) == 2 else None
    return f"API key {prefix}…" if prefix else "API key (malformed)"


class RequestContextMiddleware:
    """Give each request an id (kept from X-Request-ID or made), echo it in the
    response, and let the audit trail know who is asking from where.

    Refusals are recorded here, whichever view refused: a 403, and a 401 for
    credentials that were sent but not accepted (a bad or revoked API key).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.open_for(request)
        try:
            response = self.get_response(request)
            self._record_refusal(request, response)
        finally:
            context.close(token)
        response[context.REQUEST_ID_HEADER] = request.request_id
        return response

    def _record_refusal(self, request, response) -> None:
        target = f"{request.method} {request.path}"
        if response.status_code == 403:
            services.record(action=Action.DENIED, label=target, outcome=Outcome.DENIED)
        elif response.status_code == 401 and "Authorization" in request.headers:
            services.record(
                action=Action.DENIED,
                label=target,
                after={"credentials": _key_prefix(request)},
                outcome=Outcome.FAILURE,
            )
