"""Settings for the test run: the project's settings with a test secret and a cheap hash."""

import os
import tempfile

os.environ.setdefault("JIUZHU_SECRET_KEY", "test-" + "x" * 60)
os.environ.setdefault("JIUZHU_DATA_DIR", tempfile.mkdtemp(prefix="jiuzhu-test-"))

from jiuzhu.settings import *  # noqa: F403

# Argon2 still, with a small cost so that factories are quick.
PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]

# Background tasks run inline so that tests see their results.
JIUZHU_TASKS_INLINE = True
