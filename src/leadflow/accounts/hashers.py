"""The password hasher (docs/PERFORMANCE.md, "Sign-in"): Argon2id at OWASP's recommended
minimum (19 MiB of memory, 2 passes, 1 lane), memory-hard where PBKDF2 is only slow.

Django's default, PBKDF2-SHA256 with 1,000,000 iterations, took about 0.9 s of one core per
sign-in (2.5 s and more on a loaded machine), and Django's Argon2 defaults (100 MiB, 8 lanes)
about half of that; this one takes a tenth. Older hashes still check (the other hashers of
``PASSWORD_HASHERS``) and are rehashed with this one at the user's next sign-in. The
parameters are written into each hash, so raising them later upgrades hashes the same way.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
