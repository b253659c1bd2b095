"""Password hashing sized for the day plans are due.

Django's default (PBKDF2-SHA256, 1,000,000 rounds) costs about 0.3 s of CPU per login: 200 staff
logging in within a minute would hold both cores of a web machine for that minute. Argon2id at
OWASP's first recommended setting (19 MiB, 2 passes, 1 lane) costs about 20 ms and is memory-hard,
so a stolen hash is costlier to attack on GPUs than PBKDF2's. Existing PBKDF2 hashes keep
working and are rehashed to Argon2id at the user's next login (Django's ``check_password``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id, 19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet, first option)."""

    algorithm = "argon2"  # the same encoded format as Django's: either class reads the other's
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
