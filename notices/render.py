"""How stored notices are worded: in the site's language, with links to pages."""

import functools

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation


def in_site_language(func):
    """Notices are stored text read by many people: render them in the site's
    language, whatever language the request that caused them was in."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


def language_of(user) -> str:
    """The language a user reads in: the one kept on their profile (the last one
    they chose), else the site's."""
    profile = getattr(user, "staff_profile", None) if user else None
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def in_language_of(user):
    """Word a notice for one reader, in their language."""
    return translation.override(language_of(user))


def page_link(name: str, *args) -> str:
    """The path of a page, or "" while no page of that name exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
