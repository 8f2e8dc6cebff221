"""The installable web app's files: the service worker at the site root, the
manifest and icon from this host, linked from every page."""

import json

from django.contrib.staticfiles import finders


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b"/tonight/" in response.content
    assert client.post("/sw.js").status_code == 405


def test_the_manifest_names_the_app_and_an_icon_from_this_host(client):
    with open(finders.find("manifest.webmanifest")) as source:
        manifest = json.load(source)
    assert manifest["start_url"] == "/tonight/"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/")
        assert finders.find(icon["src"].removeprefix("/static/"))
    page = client.get("/login/").content.decode()
    assert 'rel="manifest"' in page
    assert "js/offline.js" in page
    assert 'id="offline-banner"' in page
