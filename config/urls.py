from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common import health, pwa
from patrols import views as patrol_views
from schedules.views import night as night_views
from security import views as security_views

urlpatterns = [
    path("", night_views.home, name="home"),
    # Tonight joins the schedules board and the night's live status (patrols).
    path("tonight/", patrol_views.tonight, name="tonight"),
    path("", include("schedules.urls")),
    path("night/", include("patrols.urls")),
    path("notices/", include("notices.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("account/two-factor/", include("security.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("api.feed_urls")),
]
