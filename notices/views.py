"""The in-app list of notifications, and the header's unread count."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from common import fragments
from notices import selectors, services
from notices.models import NotificationKind
from schedules.selectors import impact as request_selectors

PAGE_SIZE = 30
# A notification's text, rendered once per process for what it shows.
NOTICE = fragments.Fragment("notices/_notice.html")


@require_safe
@login_required
def inbox(request):
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kinds = {value: str(label) for value, label in NotificationKind.choices}
    notices = [
        {
            "pk": n.pk,
            "night": n.night,
            "plan_obj": n.plan,
            "is_read": n.is_read,
            "link": n.link,
            "html": NOTICE.render(
                kind=kinds.get(n.kind, n.kind),
                created_at=n.created_at,
                plan=n.plan.name if n.plan else "",
                title=n.title,
                body=n.body,
            ),
        }
        for n in page
    ]
    context = {
        "page": page,
        "notices": notices,
        "groups": _by_night(notices),
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "notices/inbox.html", context)


def _by_night(notices: list[dict]) -> list[tuple]:
    """The page's notices grouped per duty night, latest night first; those tied
    to no night (requests, reports) first, newest first within each group."""
    groups: dict = {}
    for notice in notices:
        groups.setdefault(notice["night"], []).append(notice)
    nights = sorted((n for n in groups if n is not None), reverse=True)
    order = ([None] if None in groups else []) + nights
    return [(night, groups[night]) for night in order]


@require_safe
@login_required
def unread(request):
    """The header badges' numbers, fetched by static/js/unread.js: the pages
    themselves then run no extra query for them. `pending` counts the blackouts
    and swaps waiting on this user's decision. Every page asks, so it is also where
    the reader's language is remembered for the notices written for them."""
    services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
    return JsonResponse(
        {
            "unread": selectors.unread_count(request.user),
            "pending": request_selectors.pending_count(request.user),
        }
    )


@require_POST
@login_required
def mark_read(request, pk: int):
    """Mark one notification read, then follow its link (or back to the list)."""
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.mark_read(notification=notification, by=request.user)
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notices:inbox")


@require_POST
@login_required
def mark_all_read(request):
    count = services.mark_all_read(by=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.",
            "%(count)s notifications marked read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notices:inbox")
