"""``attain jobs``: list background jobs, or ``attain jobs show ID`` for one; ``--format json`` for scripts."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attain.core import jobs
from attain.core.errors import NotFoundError


class Command(BaseCommand):
    help = "List background jobs (newest first) or show one job: attain jobs [show ID] [--format json]."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "show"], default="list")
        parser.add_argument("task_id", nargs="?", help="job id (for show)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--user", help="only what this user may see (default: every job, as the operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options.get("user"))
        as_json = options["format"] == "json"
        if options["action"] == "show":
            if not options.get("task_id"):
                raise CommandError("attain jobs show needs a job id")
            try:
                job = jobs.job_get(actor=actor, task_id=options["task_id"])
            except NotFoundError as exc:
                raise CommandError(_("No job %(id)s.") % {"id": options["task_id"]}) from exc
            if as_json:
                self.stdout.write(json.dumps(job.as_dict(), ensure_ascii=False, indent=2))
            else:
                for key, value in job.as_dict().items():
                    self.stdout.write(f"{key:12} {'' if value is None else value}")
            return
        job_views = jobs.job_list(actor=actor, limit=options["limit"])
        if as_json:
            self.stdout.write(json.dumps([job.as_dict() for job in job_views], ensure_ascii=False, indent=2))
            return
        for job in job_views:
            progress = f"{job.percent}%" if job.percent is not None else str(job.done)
            enqueued = job.enqueued_at.strftime("%Y-%m-%d %H:%M:%S") if job.enqueued_at else ""
            self.stdout.write(f"{job.task_id}  {job.status:10}  {progress:>5}  {enqueued}  {job.label}")

    def _actor(self, username: str | None) -> Any:
        if not username:
            return jobs.OPERATOR
        user_model = get_user_model()
        try:
            return user_model.objects.get(username=username)
        except user_model.DoesNotExist as exc:
            raise CommandError(_("No user %(username)s.") % {"username": username}) from exc
