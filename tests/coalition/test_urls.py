"""Every named URL that takes no argument answers an anonymous visitor without a server error."""

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

pytestmark = pytest.mark.django_db


def named_urls(resolver=None, namespace: str = "", has_args: bool = False) -> list[str]:
    """Names of the URLs that take no argument (an argument may come from an enclosing include's prefix)."""
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += named_urls(pattern, inner, has_args or bool(pattern.pattern.regex.groups))
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not has_args
            and not pattern.pattern.regex.groups
        ):
            names.append(f"{namespace}{pattern.name}")
    return sorted(set(names))


@pytest.mark.parametrize("name", [n for n in named_urls() if not n.startswith("admin:")])
def test_every_public_url_answers_anonymous_visitors_without_error(client, name):
    response = client.get(reverse(name))
    assert response.status_code < 500, f"{name} answered {response.status_code}"
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert "<html" in response.content.decode()
    if response.status_code == 302:
        assert response["Location"].startswith("/"), "redirects stay on this site"


def test_the_sweep_covers_the_known_pages():
    names = named_urls()
    for expected in ["home", "healthz", "robots_txt", "members:member_list", "coalition:my", "account_login"]:
        assert expected in names
