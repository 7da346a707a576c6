"""Background jobs: enqueue with progress, status mirrored and joined, visibility, worker, CLI, pages."""

from __future__ import annotations

import json
import signal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from attain.accounts.tests.factories import UserFactory
from attain.core import jobs
from attain.core.choices import JobStatus
from attain.core.errors import NotFoundError
from attain.core.models import JobProgress
from attain.core.tests.factories import JobProgressFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def restore_signals():
    """The worker installs SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_immediate_backend_runs_and_records_progress():
    rep = UserFactory(role="rep")
    task_id = jobs.job_enqueue(task=jobs.demo_ping, actor=rep, label="Ping", steps=4)
    row = JobProgress.objects.get(task_id=task_id)
    assert (row.label, row.requested_by_id, row.status) == ("Ping", rep.pk, JobStatus.SUCCESSFUL)
    assert (row.done, row.total, row.message) == (4, 4, "step 4 of 4")
    assert row.started_at is not None
    assert row.finished_at is not None
    job = jobs.job_get(actor=rep, task_id=task_id)
    assert job.is_finished
    assert job.percent == 100
    assert job.requested_by == rep.username


def test_failed_job_records_the_error():
    admin = UserFactory(admin=True)
    task_id = jobs.job_enqueue(task=jobs.demo_ping, actor=admin, label="Doomed", steps=2, fail=True)
    job = jobs.job_get(actor=admin, task_id=task_id)
    assert job.status == JobStatus.FAILED
    assert "asked to fail" in job.error
    assert job.done == 2


def test_progress_for_a_task_enqueued_without_job_enqueue_is_kept():
    jobs.job_report_progress(task_id="stray", done=5, total=10, message="half")
    row = JobProgress.objects.get(task_id="stray")
    assert (row.done, row.total, row.message, row.requested_by_id) == (5, 10, "half", None)
    jobs.job_report_progress(task_id="stray", done=6)
    row.refresh_from_db()
    assert (row.done, row.total, row.message) == (6, 10, "")


# The worker closes "old" connections between tasks, which would end a test transaction: run committed.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_database_backend_queues_then_worker_runs(restore_signals):
    rep = UserFactory(role="rep")
    task_id = jobs.job_enqueue(task=jobs.demo_ping, actor=rep, label="Queued ping", steps=3)
    queued = jobs.job_get(actor=rep, task_id=task_id)
    assert queued.status == JobStatus.READY
    assert queued.enqueued_at is not None
    assert queued.done == 0
    assert not queued.is_finished

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)

    done = jobs.job_get(actor=rep, task_id=task_id)
    assert done.status == JobStatus.SUCCESSFUL
    assert (done.done, done.total) == (3, 3)
    assert done.started_at is not None
    assert done.finished_at is not None
    assert JobProgress.objects.get(task_id=task_id).status == JobStatus.SUCCESSFUL


# The worker closes "old" connections between tasks, which would end a test transaction: run committed.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_database_backend_failure_is_read_from_the_stored_result(restore_signals):
    admin = UserFactory(admin=True)
    task_id = jobs.job_enqueue(task=jobs.demo_ping, actor=admin, label="Doomed", fail=True)
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job = jobs.job_get(actor=admin, task_id=task_id)
    assert job.status == JobStatus.FAILED
    assert "asked to fail" in job.error


def test_visibility(django_assert_max_num_queries):
    rep, other, admin = UserFactory(role="rep"), UserFactory(role="rep"), UserFactory(admin=True)
    mine = JobProgressFactory(requested_by=rep)
    theirs = JobProgressFactory(requested_by=other)
    JobProgressFactory(requested_by=None)
    assert [j.task_id for j in jobs.job_list(actor=rep)] == [mine.task_id]
    with django_assert_max_num_queries(2):
        assert len(jobs.job_list(actor=admin)) == 3
    assert jobs.job_list(actor=None) == []
    with pytest.raises(NotFoundError):
        jobs.job_get(actor=rep, task_id=theirs.task_id)
    assert jobs.job_get(actor=admin, task_id=theirs.task_id).task_id == theirs.task_id
    assert len(jobs.job_list(actor=jobs.OPERATOR)) == 3


def test_list_query_count_is_constant(django_assert_max_num_queries):
    admin = UserFactory(admin=True)
    for _ in range(3):
        jobs.job_enqueue(task=jobs.demo_ping, actor=UserFactory(), label="x", steps=1)
    with override_settings(TASKS=DATABASE_TASKS):
        for _ in range(3):
            jobs.job_enqueue(task=jobs.demo_ping, actor=UserFactory(), label="y", steps=1)
    with django_assert_max_num_queries(2):
        views = jobs.job_list(actor=admin)
    assert len(views) == 6
    assert all(v.requested_by for v in views)


# --- CLI ------------------------------------------------------------------------------------------------


def test_cli_lists_and_shows_jobs():
    user = UserFactory(username="cli-user")
    task_id = jobs.job_enqueue(task=jobs.demo_ping, actor=user, label="From CLI", steps=2)
    out = StringIO()
    call_command("jobs", "--format", "json", stdout=out)
    listed = json.loads(out.getvalue())
    assert [j["task_id"] for j in listed] == [task_id]
    assert listed[0]["status"] == "SUCCESSFUL"
    assert listed[0]["percent"] == 100

    out = StringIO()
    call_command("jobs", "show", task_id, "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["label"] == "From CLI"

    out = StringIO()
    call_command("jobs", stdout=out)
    assert task_id in out.getvalue()
    assert "From CLI" in out.getvalue()

    out = StringIO()
    call_command("jobs", "show", task_id, stdout=out)
    assert "From CLI" in out.getvalue()

    out = StringIO()
    call_command("jobs", "--user", UserFactory().username, "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == []
    with pytest.raises(CommandError):
        call_command("jobs", "show", "missing")
    with pytest.raises(CommandError):
        call_command("jobs", "show")
    with pytest.raises(CommandError):
        call_command("jobs", "--user", "nobody")


# --- web pages ------------------------------------------------------------------------------------------


def test_pages_need_login(client):
    assert client.get(reverse("job_list")).status_code == 302
    assert client.get(reverse("job_detail", args=["x"])).status_code == 302


def test_job_list_page(client, django_assert_max_num_queries):
    rep = UserFactory(role="rep")
    for i in range(3):
        JobProgressFactory(requested_by=rep, label=f"Job {i}")
    JobProgressFactory(requested_by=UserFactory(), label="Not mine")
    client.force_login(rep)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("job_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Job 2" in body
    assert "Not mine" not in body
    assert 'hx-trigger="every 2s"' in body  # queued jobs: keep refreshing


def test_job_detail_polls_until_finished(client):
    rep = UserFactory(role="rep")
    running = JobProgressFactory(requested_by=rep, status=JobStatus.RUNNING, done=1, total=4, label="Long")
    client.force_login(rep)
    page = client.get(reverse("job_detail", args=[running.task_id]))
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert "25%" in page.content.decode()

    partial = client.get(reverse("job_detail", args=[running.task_id]), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'id="job-detail"' in partial.content.decode()

    JobProgress.objects.filter(pk=running.pk).update(status=JobStatus.SUCCESSFUL, done=4)
    finished = client.get(reverse("job_detail", args=[running.task_id]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in finished.content.decode()


def test_job_detail_of_someone_else_is_404(client):
    other_job = JobProgressFactory(requested_by=UserFactory())
    client.force_login(UserFactory(role="rep"))
    assert client.get(reverse("job_detail", args=[other_job.task_id])).status_code == 404
    client.force_login(UserFactory(admin=True))
    assert client.get(reverse("job_detail", args=[other_job.task_id])).status_code == 200
