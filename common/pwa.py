"""GET /sw.js: the service worker, served at the site root so that its scope is the
whole site (a script under /static/ could control only /static/). The file itself is
static/js/sw.js, found as any static file is."""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

SCRIPT = "js/sw.js"


def _script() -> bytes:
    found = finders.find(SCRIPT)
    if found:
        with open(found, "rb") as source:
            return source.read()
    if staticfiles_storage.exists(SCRIPT):
        with staticfiles_storage.open(SCRIPT) as source:
            return source.read()
    raise Http404


@require_GET
def service_worker(request):
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on each visit; never keep a stale one.
    response["Cache-Control"] = "no-cache"
    return response
