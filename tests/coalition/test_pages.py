import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_visitors_language(client):
    response = client.get("/", headers={"accept-language": "fr"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_home_presents_the_initiative_and_its_members(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in html
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
    assert "Good Human Rights Stories Initiative" in html
    for name in ["Argentina", "European Union", "Republic of Korea", "The Gambia", "Colombia"]:
        assert name in html


def test_arabic_pages_are_right_to_left(client):
    html = client.get("/ar/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_robots_txt_keeps_private_areas_out_of_search_engines(client):
    response = client.get("/robots.txt")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in body
    assert "Disallow: /en/my/" in body
    assert "Disallow: /en/accounts/" in body


def test_no_page_loads_anything_from_another_host(client):
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
