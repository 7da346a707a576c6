"""``attain worker``: run the database background worker (Django-tasks' ``db_worker``, same options)."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run the background worker: take queued jobs from the database and run them (--batch: until empty)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Connect the job-progress signal receivers before any task runs.
        import attain.core.jobs  # noqa: F401

        super().handle(*args, **options)
