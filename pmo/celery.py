"""The Celery application. Tasks are thin wrappers in each app's ``tasks.py``.

The beat schedule lives in code (:data:`BEAT`); each entry's crontab can be overridden by an
environment variable ``BEAT_<NAME>`` holding five crontab fields (``"30 2 * * *"``), and each
task expires before the next run so a backlog never piles up.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")

app = Celery("pmo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["pmo"])  # pmo/tasks.py: jobs whose worker died
# name: (task, default crontab "minute hour day month weekday", expires seconds)
BEAT: dict[str, tuple[str, str, int]] = {
    # Scheduled documents go live within a minute of their time.
    "publish_due_documents": ("documents.publish_due_documents", "* * * * *", 55),
    # Nightly delay judgement (only entries whose judgement can change today), then digests.
    "scan_delays": ("review.tasks.scan_delays", "30 2 * * *", 21600),
    # Retries digest mails whose send crashed (events are written before sending).
    "send_digests": ("review.tasks.send_digests", "*/15 * * * *", 840),
    # Every mail is in the outbox; this sends what the immediate try missed, and the retries.
    "send_outbox": ("outbox.send_due", "* * * * *", 55),
    # Jobs whose worker died (lease passed) end failed and retryable (pmo.jobs).
    "expire_jobs": ("pmo.tasks.expire_jobs", "* * * * *", 55),
    # Sent mails older than OUTBOX_KEEP_DAYS go (mail bodies hold names and links).
    "purge_outbox": ("outbox.purge_sent", "45 3 * * *", 21600),
    # Late-list exports older than LATE_EXPORT_KEEP_DAYS go, with their files.
    "purge_late_exports": ("review.tasks.purge_late_exports", "15 4 * * *", 21600),
}


def beat_schedule(environ=os.environ) -> dict:
    from celery.schedules import crontab

    schedule = {}
    for name, (task, default, expires) in BEAT.items():
        spec = environ.get(f"BEAT_{name.upper()}", default).split()
        if len(spec) != 5:
            raise ValueError(f"BEAT_{name.upper()} must have five crontab fields, got {spec!r}")
        minute, hour, day, month, weekday = spec
        schedule[name] = {
            "task": task,
            "schedule": crontab(
                minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday
            ),
            "options": {"expires": expires},
        }
    return schedule


app.conf.beat_schedule = beat_schedule()
