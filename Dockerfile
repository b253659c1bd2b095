FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PMO_VAR_DIR=/var/lib/pmo
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --system --home /app pmo && mkdir -p /var/lib/pmo && chown pmo /var/lib/pmo
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD \
    python manage.py collectstatic --noinput
USER pmo
EXPOSE 8000
CMD ["gunicorn", "pmo.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
