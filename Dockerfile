# The portal's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app
COPY pyproject.toml README.md ./
COPY coalition ./coalition
COPY members ./members
COPY stories ./stories
COPY meetings ./meetings
RUN pip install -e ".[s3]"
COPY . .

# Static files are collected (hashed and compressed) at build time; whitenoise serves them.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --no-input \
    && mkdir -p /app/media /app/private_media && chown -R portal:portal /app/media /app/private_media

USER portal
EXPOSE 8000
CMD ["gunicorn", "coalition.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
