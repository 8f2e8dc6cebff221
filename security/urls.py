from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("", views.account, name="account"),
    path("code/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.regenerate_codes, name="regenerate_codes"),
    path("remove/", views.remove, name="remove"),
]
