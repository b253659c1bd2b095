# The portal's image: web (gunicorn), worker and beat all run it (docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PMO_VAR_DIR=/var/lib/pmo MEDIA_ROOT=/var/lib/pmo/media
# gettext for the translations; postgresql-client (15, as the compose Postgres) for
# ops/backup.py and ops/restore.py (pg_dump, pg_restore).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first: a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# The app user owns only what it writes: the var folder, uploads, beat's schedule, backups.
# A named volume mounted on one of these starts as a copy of it, ownership included.
RUN useradd --system --no-create-home --home-dir /app --shell /usr/sbin/nologin pmo \
 && mkdir -p /var/lib/pmo/media /var/lib/pmo/beat /backups \
 && chown -R pmo:pmo /var/lib/pmo /backups
# Static files are part of the image (STATIC_ROOT /var/lib/pmo/staticfiles: hashed names,
# compressed, served by WhiteNoise); a file referenced but missing fails the build here.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD \
    python manage.py collectstatic --noinput
USER pmo
EXPOSE 8000
CMD ["gunicorn", "pmo.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--no-control-socket"]
