"""Settings for the test suite: fast hashing, in-process tasks, same database selection as base."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import DATABASE_URL, database_config

if "DATABASE_URL" not in os.environ:
    # pytest-django creates a fresh test database; for SQLite it lives in memory unless told otherwise.
    DATABASES = {"default": database_config("sqlite:///:memory:")}
else:
    DATABASES = {"default": database_config(DATABASE_URL)}

# Tests assert on the English source strings; the Chinese interface is covered by the catalogue tests and by
# tests that ask for it (Accept-Language, or overriding LANGUAGE_CODE back to the product default zh-hans).
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collected STATIC_ROOT in tests
