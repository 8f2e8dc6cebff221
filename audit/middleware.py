from audit import context


class RequestContextMiddleware:
    """Give each request an id (kept from X-Request-ID or made), echo it in the
    response, and let the audit trail know who is asking from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.open_for(request)
        try:
            response = self.get_response(request)
        finally:
            context.close(token)
        response[context.REQUEST_ID_HEADER] = request.request_id
        return response
