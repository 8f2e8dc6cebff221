"""Two-factor pages: the code step of a login, setting up an authenticator, and the
account page (recovery codes, turning it off)."""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import auth, messages
from django.contrib.auth import signals
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from security import lockout, mfa
from security.middleware import note_second_factor, second_factor_step


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        # Rendered by security/_code_field.html, which carries the input's attributes.
        max_length=32,
    )


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


class LoginView(auth_views.LoginView):
    """The password step; a session that owes a second factor goes to it next."""

    redirect_authenticated_user = True

    def get_success_url(self):
        step = second_factor_step(self.request)
        url = super().get_success_url()
        if step is None:
            return url
        return f"{reverse(step)}?{urlencode({auth.REDIRECT_FIELD_NAME: url})}"


def _credentials(user) -> dict:
    # "second_factor" tells the audit trail this was a code, not a password.
    return {
        auth.get_user_model().USERNAME_FIELD: user.get_username(),
        "second_factor": True,
    }


def _accept(request, verified_device) -> None:
    """The session now counts as verified: bind the device and rotate the key."""
    otp_login(request, verified_device)
    note_second_factor(request, True)
    request.session.cycle_key()


@require_http_methods(["GET", "POST"])
@login_required
def verify(request):
    """The code step of a login: a code from the authenticator or a recovery code."""
    if second_factor_step(request) != "security:verify":
        return redirect(_next_url(request))
    user = request.user
    credentials = _credentials(user)
    if not AxesProxyHandler.is_allowed(request, credentials):
        auth.logout(request)
        return lockout.lockout_response(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            verified = mfa.verify_code(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
            # A wrong code is a failed login: axes counts it towards the lock and
            # the audit trail records it.
            signals.user_login_failed.send(
                sender=__name__, credentials=credentials, request=request
            )
            if getattr(request, "axes_locked_out", False):
                auth.logout(request)
        else:
            _accept(request, verified.device)
            if verified.recovery:
                left = verified.codes_left
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(left)d is left. Make new ones "
                        "on your two-factor login page before you run out.",
                        "You used a recovery code; %(left)d are left. Make new ones "
                        "on your two-factor login page before you run out.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
    status = 400 if form.errors else 200
    return render(
        request,
        "security/verify.html",
        {"form": form, "next": _next_url(request), "second_factor_pending": True},
        status=status,
    )


def _owes_code(request) -> bool:
    """Enrolled, but this session never gave a code: one opened before the user
    set up two-factor login elsewhere. It may not change the second factor."""
    return mfa.is_enrolled(request.user) and not request.user.is_verified()


def _code_first(request):
    note_second_factor(request, True)
    return redirect(f"{reverse('security:verify')}?next={reverse('security:account')}")


def _show_codes(request, codes: list[str], title: str):
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "title": title, "next": _next_url(request)},
    )


def _with_code(request, form: CodeForm, change):
    """Call a second-factor change with the code typed in the form, keeping this
    session; what the change refuses becomes the form's error. Returns what the
    change returned (True where it returns nothing), or None if refused."""
    if not form.is_valid():
        return None
    try:
        done = change(
            user=request.user,
            code=form.cleaned_data["code"],
            keep_session=request.session.session_key,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    return True if done is None else done


@require_http_methods(["GET", "POST"])
@login_required
def setup(request):
    """Set up an authenticator: QR code and secret, then a first code from it."""
    if mfa.is_enrolled(request.user):
        return redirect("security:account")
    form = CodeForm(request.POST if request.method == "POST" else None)
    done = _with_code(request, form, mfa.confirm_enrolment)
    if done:
        device, codes = done
        _accept(request, device)
        return _show_codes(request, codes, _("Two-factor login is on"))
    device = mfa.start_enrolment(user=request.user)
    return render(
        request,
        "security/setup.html",
        {
            "form": form,
            "qr_svg": mfa.qr_svg(device),
            "secret": mfa.secret_text(device),
            "required": mfa.required_by_role(request.user),
            "next": _next_url(request),
            # Until set up, the rest of the site is closed to a required role.
            "second_factor_pending": second_factor_step(request) is not None,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def account(request):
    """Two-factor status of one's own account, with what can be done about it."""
    user = request.user
    if _owes_code(request):
        return _code_first(request)
    return render(request, "security/account.html", _account_context(user, CodeForm()))


def _account_context(user, form: CodeForm) -> dict:
    enrolled = mfa.is_enrolled(user)
    return {
        "enrolled": enrolled,
        "device": mfa.totp_device(user) if enrolled else None,
        "codes_left": mfa.recovery_codes_left(user) if enrolled else 0,
        "required": mfa.required_by_role(user),
        "form": form,
    }


@require_POST
@login_required
def regenerate_codes(request):
    if _owes_code(request):
        return _code_first(request)
    try:
        codes = mfa.regenerate_recovery_codes(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("security:account")
    return _show_codes(request, codes, _("New recovery codes"))


@require_POST
@login_required
def remove(request):
    """Turn two-factor login off, with a current code as proof."""
    if _owes_code(request):
        return _code_first(request)
    form = CodeForm(request.POST)
    if _with_code(request, form, mfa.remove_second_factor):
        note_second_factor(request, mfa.code_needed(request.user))
        messages.success(request, _("Two-factor login is off."))
        return redirect("security:account")
    return render(
        request,
        "security/account.html",
        _account_context(request.user, form),
        status=400,
    )
