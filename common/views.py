"""What the pages of every app share."""

from django.views.decorators.http import require_http_methods

# A page with a form: read it, post it; nothing else.
require_GET_or_POST = require_http_methods(["GET", "HEAD", "POST"])
