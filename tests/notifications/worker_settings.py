"""Settings of the worker processes test_two_workers.py starts: the project's, e-mails written to files.

The file backend writes every message to a directory all the workers share, so the test counts what
every process sent (the in-memory outbox is per process).
"""

import os

from config.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["TRACKER_TEST_MAIL_DIR"]},
    }
}
