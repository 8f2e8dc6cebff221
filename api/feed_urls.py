from django.urls import path

from api import feeds

app_name = "feeds"

urlpatterns = [
    path("precincts/<slug:code>.ics", feeds.precinct_feed, name="precinct"),
    path("zones/<slug:code>.ics", feeds.zone_feed, name="zone"),
]
