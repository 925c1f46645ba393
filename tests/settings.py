"""Settings for the test run: the project's settings with a test secret and a cheap hash."""

import os
import tempfile

os.environ.setdefault(
    "JIUZHU_SECRET_KEY", "test-only-Vq3xR9mZ2kLp7TcW8nYb4HsJ6dFg1QeU5aNo0iKrXyC-test-only"
)
# Fixed test keys (not derived): tests run as production does, and child processes inherit them.
os.environ.setdefault("JIUZHU_DATA_KEYS", "t1:dGVzdC1vbmx5LWRhdGEta2V5LTAxMjM0NTY3ODlhYmM=")
os.environ.setdefault("JIUZHU_SEARCH_KEY", "dGVzdC1vbmx5LXNlYXJjaC1rZXktMDEyMzQ1Njc4OWE=")
os.environ.setdefault("JIUZHU_DATA_DIR", tempfile.mkdtemp(prefix="jiuzhu-test-"))

from jiuzhu.settings import *  # noqa: F403

# Argon2 still, with a small cost so that factories are quick.
PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]

# Background tasks run inline so that tests see their results.
JIUZHU_TASKS_INLINE = True

# The test client and the live server speak plain HTTP; production redirects to HTTPS.
SECURE_SSL_REDIRECT = False
