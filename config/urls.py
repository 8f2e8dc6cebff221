from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common import health
from schedules import views as schedule_views
from security import views as security_views

urlpatterns = [
    path("", schedule_views.home, name="home"),
    path("", include("schedules.urls")),
    path("night/", include("patrols.urls")),
    path("notices/", include("notices.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("account/two-factor/", include("security.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("api.feed_urls")),
]
