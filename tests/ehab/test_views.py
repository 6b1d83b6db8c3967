"""The site's icon: a small original favicon served from static, linked from every page, and
/favicon.ico (which browsers ask for whatever the page says) leads to it."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_leads_to_the_icon_in_static(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")


def test_the_icon_files_are_a_real_ico_and_svg():
    ico = open(finders.find("favicon.ico"), "rb").read()  # noqa: SIM115
    assert ico[:4] == b"\x00\x00\x01\x00" and 0 < len(ico) < 10_000
    svg = open(finders.find("favicon.svg"), encoding="utf-8").read()  # noqa: SIM115
    assert svg.startswith("<svg") and "<script" not in svg and "href" not in svg


def test_every_page_links_the_icon(client, db):
    for url in ("/help/", "/no/such/page/"):
        body = client.get(url).content.decode()
        assert f'<link rel="icon" href="{static("favicon.svg")}"' in body, url
        assert 'href="data:,"' not in body, url
