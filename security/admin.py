"""django-otp's own admin pages are withdrawn: they show authenticator secrets and
delete devices without a trace. Administrators reset a user's second factor from
the user list instead (precincts.admin), which the audit trail records."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
