"""The Celery application. Tasks are thin wrappers in each app's ``tasks.py``.

The beat schedule lives in code; later issues add entries, each overridable by environment.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")

app = Celery("pmo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {}
