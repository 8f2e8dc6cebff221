"""Content negotiation and language for API clients.

A client that asks for `Accept: application/problem+json` (RFC 9457) wants JSON
errors; its successful answers are JSON too, so the media type counts as JSON
rather than being a 406. A client that sends no Accept-Language is a program, not
a person in Jakarta: it gets English (the site's default language is Indonesian).
"""

from django.utils import translation
from rest_framework.negotiation import DefaultContentNegotiation

from common.errors import PROBLEM_TYPE


class ProblemAwareNegotiation(DefaultContentNegotiation):
    def get_accept_list(self, request):
        accepted = super().get_accept_list(request)
        if any(token.split(";")[0].strip() == PROBLEM_TYPE for token in accepted):
            accepted = [*accepted, "application/json"]
        return accepted


class EnglishForProgramsMiddleware:
    """API requests with no Accept-Language (and no language cookie) in English.
    After LocaleMiddleware, which would give them the site's default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/api/")
            and "HTTP_ACCEPT_LANGUAGE" not in request.META
            and "django_language" not in request.COOKIES
        ):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
