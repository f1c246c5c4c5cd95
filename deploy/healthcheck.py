"""The web container's health probe: GET /healthz with a Host header the portal accepts.

Django answers 400 to a Host outside ALLOWED_HOSTS, and a production ALLOWED_HOSTS rightly leaves out
127.0.0.1, so the probe names the portal's own first allowed host (read by the portal's own settings) while
connecting to the container's loopback. /healthz is exempt from the HTTPS redirect.

Usage: python deploy/healthcheck.py [URL]    (default: http://127.0.0.1:8000/healthz)
Exit status 0 when the portal answers 200, 1 otherwise: what Docker's HEALTHCHECK expects.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: list[str]) -> str:
    """A Host that Django's validate_host accepts for these ALLOWED_HOSTS."""
    for pattern in allowed_hosts:
        if pattern and pattern != "*":
            # ".example.org" allows example.org itself as well as its subdomains.
            return pattern.lstrip(".")
    return "localhost"  # only "*" (or nothing usable) is listed: any name is allowed


def allowed_hosts() -> list[str]:
    # The portal's own settings module, so the list is read exactly as the portal reads it (and its default).
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from coalition import settings

    return list(settings.ALLOWED_HOSTS)


def probe(url: str, host: str, timeout: float = 5) -> int:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - a fixed http:// URL
    # No proxy: a proxy set in the environment must not stand between the probe and its own container.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    host = probe_host(allowed_hosts())
    try:
        status = probe(url, host)
    except OSError as error:
        print(f"healthcheck: {url} (Host: {host}) did not answer: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {url} (Host: {host}) answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
