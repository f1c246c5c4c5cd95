"""Settings of the Django processes that tests start (Celery workers, the portal under gunicorn, manage.py):
the portal's own, with the changes tests/conftest.py makes in the test process itself."""

import os

from coalition.settings import *  # noqa: F403
from coalition.settings import CACHES, STORAGES

# The key prefix of the test process that started this one: parallel pytest workers share one Redis.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("TEST_CACHE_KEY_PREFIX", "")
# Plain HTTP, and no collected static files.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
