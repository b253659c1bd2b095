"""Production smoke, step "accounts": the people the smoke logs in as, made the product's way.

Run after ``manage.py create_admin`` (the first administrator). The administrator issues a
municipal staff account (札幌市) and the coordinator (総務省 住民制度課) through
``accounts.services.issue_accounts``; each is activated with the token from its invitation
mail, as the person would through the link. The coordinator (a role that must use two-factor
login) is enrolled with a fresh TOTP secret the way ``accounts.demo`` enrols demo accounts.
It also queues a meeting-report job for the coordinator, which the worker builds later.
Prints one JSON object: the TOTP secret and the report job's id.

``load_demo`` is not used: it refuses production, and demo data is not what a new
installation has.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")

import django

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.core import mail  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import invitations, services  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from actionplan.programmes import default_for  # noqa: E402
from orgs.models import Organization  # noqa: E402
from review.models import ReportJob  # noqa: E402

PASSWORD = os.environ["SMOKE_PASSWORD"]
ADMIN = os.environ["SMOKE_ADMIN"]
PEOPLE = (
    (os.environ["SMOKE_STAFF"], "札幌 一郎", "011002", Role.STAFF),
    (os.environ["SMOKE_COORDINATOR"], "住民 花子", "mic-jumin", Role.COORDINATOR),
)


def main() -> None:
    admin = User.objects.get(email=ADMIN)
    organizations = Organization.objects.in_bulk(
        [code for *_, code, _ in PEOPLE], field_name="code"
    )
    accounts = [
        services.NewAccount(organizations[code], email, name, role)
        for email, name, code, role in PEOPLE
    ]
    users = services.issue_accounts(admin, accounts)
    # The console backend is swapped for locmem by the caller (EMAIL_BACKEND): read the links.
    links = {}
    for message in getattr(mail, "outbox", []):
        found = re.search(r"/accounts/activate/([^/\s]+)/", message.body)
        if found:
            links[message.to[0]] = found.group(1)
    for user in users:
        if user.email not in links:
            sys.exit(f"smoke: no invitation mail with an activation link for {user.email}")
        invitations.activate(links[user.email], PASSWORD)
    coordinator = User.objects.get(email=os.environ["SMOKE_COORDINATOR"])
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    job = ReportJob.objects.create(
        user=coordinator, programme=default_for(coordinator), as_of=timezone.localdate()
    )
    print(json.dumps({"totp_secret": secret, "report_job": job.pk}))


if __name__ == "__main__":
    main()
