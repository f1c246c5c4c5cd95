import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_the_cache_is_unreachable(client, settings):
    # A real Redis client pointed at a closed port: the connection is refused, nothing is mocked.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_answers_503_when_the_broker_is_unreachable(client, monkeypatch):
    # Celery lets this variable override its configuration: point it at a closed port.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
