"""The import wizard, batch history, templates and exports over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from attain.sales.io import views as io_views
from attain.sales.models import Activity, ImportBatch, MappingProfile

pytestmark = pytest.mark.django_db

HEADER = "activity id,kind,date,rep,outcome,duration\n"
GOOD = "A1,visit,2026-03-05,E001,positive,30\n"
OUT_OF_SCOPE = "A2,call,2026-03-06,E003,neutral,10\n"  # rep_c is in team C, outside manager A's team


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, text: str, *, kind: str = "activity", name: str = "visits.csv", **extra: str) -> Any:
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return client.post(reverse("sales:import_upload"), {"kind": kind, "file": file, **extra})


def token_of(response: Any) -> str:
    assert response.status_code == 302, getattr(response, "content", b"")[:2000]
    return response["Location"].rstrip("/").split("/")[-2]


def map_post(client: Client, token: str, mapping: dict[str, str], **extra: str) -> Any:
    data = {f"map_{key}": header for key, header in mapping.items()} | extra
    return client.post(reverse("sales:import_map", args=[token]), data)


ACTIVITY_MAP = {
    "external_id": "activity id",
    "kind": "kind",
    "occurred_on": "date",
    "rep": "rep",
    "outcome": "outcome",
    "duration_minutes": "duration",
}


def test_wizard_upload_map_preview_fix_commit(world) -> None:
    client = client_for(world.manager_a_user)
    assert client.get(reverse("sales:import_upload")).status_code == 200
    token = token_of(upload(client, HEADER + GOOD + OUT_OF_SCOPE))
    stored = f"{io_views.UPLOAD_DIR}/{token}"
    assert default_storage.exists(stored)

    page = client.get(reverse("sales:import_map", args=[token]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="activity id" selected' in body  # auto-mapped
    assert "E001" in body  # sample values

    response = map_post(client, token, ACTIVITY_MAP)
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:import_preview", args=[token])
    preview = client.get(response["Location"])
    text = preview.content.decode()
    assert "This rep is outside your data scope." in text
    assert preview.context["batch"].error_count == 1
    assert preview.context["batch"].created_count == 0
    assert 'id="import-commit"' not in text
    assert Activity.objects.count() == 0

    fixed = io.BytesIO((HEADER + GOOD).encode())
    fixed.name = "visits-fixed.csv"
    response = client.post(reverse("sales:import_replace", args=[token]), {"file": fixed})
    preview = client.get(response["Location"])
    batch = preview.context["batch"]
    assert (batch.error_count, batch.created_count, batch.is_dry_run) == (0, 1, True)
    assert 'id="import-commit"' in preview.content.decode()
    assert Activity.objects.count() == 0  # a preview writes nothing

    response = client.post(reverse("sales:import_commit", args=[token]))
    assert response.status_code == 302
    committed = ImportBatch.objects.get(is_dry_run=False)
    assert response["Location"] == reverse("sales:import_batch_detail", args=[committed.pk])
    assert (committed.status, committed.created_count, committed.actor) == ("committed", 1, world.manager_a_user)
    assert committed.filename == "visits-fixed.csv"
    assert Activity.objects.get().person == world.rep_a
    assert not default_storage.exists(stored)  # the upload is deleted after the commit
    detail = client.get(response["Location"])
    assert "1 created, 0 updated, 0 unchanged" in detail.content.decode()
    # The token is spent.
    spent = client.post(reverse("sales:import_commit", args=[token]))
    assert spent["Location"] == reverse("sales:import_upload")


def test_reimport_preview_counts_unchanged(world) -> None:
    client = client_for(world.admin)
    for expected in ({"created_count": 1, "unchanged_count": 0}, {"created_count": 0, "unchanged_count": 1}):
        token = token_of(upload(client, HEADER + GOOD))
        map_post(client, token, ACTIVITY_MAP)
        batch = client.get(reverse("sales:import_preview", args=[token])).context["batch"]
        assert {k: getattr(batch, k) for k in expected} == expected
        client.post(reverse("sales:import_commit", args=[token]))
    assert Activity.objects.count() == 1


def test_profile_and_save_as_profile(world) -> None:
    client = client_for(world.admin)
    text = "Id,Type,When,Owner\nB1,call,2026-03-05,E001\n"
    token = token_of(upload(client, text))
    mapping = {"external_id": "Id", "kind": "Type", "occurred_on": "When", "rep": "Owner"}
    response = map_post(client, token, mapping, save_as="My CRM")
    assert response.status_code == 302
    saved = MappingProfile.objects.get(kind="activity", name="My CRM")
    assert saved.mapping["occurred_on"] == "When"
    # The saved profile maps the next file at once.
    token = token_of(upload(client, text, profile="activity:My CRM"))
    page = client.get(reverse("sales:import_map", args=[token]))
    assert 'value="When" selected' in page.content.decode()
    # A built-in name is reserved; a profile for another kind is refused.
    assert map_post(client, token, mapping, save_as="hubspot-deals").status_code == 400
    assert upload(client, text, profile="deal:hubspot-deals").status_code == 400


def test_bad_file_and_missing_required_mapping(world) -> None:
    client = client_for(world.admin)
    response = upload(client, "\x89PNG\r\n\x1a\n", name="picture.xlsx")
    assert response.status_code == 400
    assert "is not an Excel workbook" in response.content.decode()
    token = token_of(upload(client, HEADER + GOOD))
    response = map_post(client, token, {"external_id": "activity id"})
    assert response.status_code == 400  # required fields left unmapped


def test_big_file_commits_as_a_background_job(world, monkeypatch) -> None:
    monkeypatch.setattr(io_views, "BIG_FILE_ROWS", 1)
    client = client_for(world.admin)
    token = token_of(upload(client, HEADER + GOOD + "A3,demo,2026-03-07,E002,,\n"))
    map_post(client, token, ACTIVITY_MAP)
    preview = client.get(reverse("sales:import_preview", args=[token]))
    assert preview.context["is_big"]
    response = client.post(reverse("sales:import_commit", args=[token]))
    assert response.status_code == 302
    task_id = response["Location"].rstrip("/").split("/")[-1]
    assert response["Location"] == reverse("sales:import_job", args=[task_id])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["job"].is_finished
    batch = page.context["batch"]
    assert (batch.status, batch.created_count, batch.task_id) == ("committed", 2, task_id)
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == reverse("sales:import_batch_detail", args=[batch.pk])
    assert page.context["job"].done == page.context["job"].total == 2
    assert not default_storage.exists(f"{io_views.UPLOAD_DIR}/{token}")
    assert Activity.objects.count() == 2


def test_who_may_import(world) -> None:
    for user in (world.rep_a_user, world.nobody_manager):
        client = client_for(user)
        assert client.get(reverse("sales:import_upload")).status_code == 403
        assert client.get(reverse("sales:import_batch_list")).status_code == 403
    # A manager may import facts but not reference data (customers, products).
    manager = client_for(world.manager_a_user)
    page = manager.get(reverse("sales:import_upload"))
    kinds = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert "activity" in kinds
    assert "customer" not in kinds
    assert upload(manager, "customer id,name\nC1,Acme\n", kind="customer").status_code == 400
    assert Client().get(reverse("sales:import_upload")).status_code == 302  # to the login page


def test_tokens_and_batches_are_private(world) -> None:
    admin = client_for(world.admin)
    token = token_of(upload(admin, HEADER + GOOD))
    map_post(admin, token, ACTIVITY_MAP)
    batch_id = ImportBatch.objects.get().pk
    manager = client_for(world.manager_a_user)
    # Another session's upload token is unknown here: back to the upload step, nothing shown.
    for name in ("sales:import_map", "sales:import_preview"):
        response = manager.get(reverse(name, args=[token]))
        assert response.status_code == 302
        assert response["Location"] == reverse("sales:import_upload")
    assert manager.post(reverse("sales:import_commit", args=[token])).status_code == 302
    assert ImportBatch.objects.filter(is_dry_run=False).count() == 0
    assert manager.get(reverse("sales:import_batch_detail", args=[batch_id])).status_code == 404
    assert manager.get(reverse("sales:import_batch_errors", args=[batch_id])).status_code == 404
    assert admin.get(reverse("sales:import_batch_detail", args=[batch_id])).status_code == 200


def test_batch_history_and_error_report(world) -> None:
    client = client_for(world.manager_a_user)
    token = token_of(upload(client, HEADER + OUT_OF_SCOPE))
    map_post(client, token, ACTIVITY_MAP)
    batch = ImportBatch.objects.get()
    history = client.get(reverse("sales:import_batch_list"))
    assert batch not in history.context["page"].object_list  # previews are hidden by default
    history = client.get(reverse("sales:import_batch_list") + "?previews=1")
    assert batch in history.context["page"].object_list
    assert "visits.csv" in history.content.decode()
    report = client.get(reverse("sales:import_batch_errors", args=[batch.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(report.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["Row", "Column", "Value", "Message"]
    assert rows[1][:3] == [2.0, "rep", "E003"] or rows[1][:3] == [2, "rep", "E003"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_template_download_in_the_users_language(world, language: str) -> None:
    client = client_for(world.admin)
    response = client.get(reverse("sales:import_template") + "?kind=activity", headers={"Accept-Language": language})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert len(book.sheet_names) == 2
    headers = book.get_sheet_by_index(0).to_python()[0]
    if language == "en":
        assert headers[:3] == ["External id", "Kind", "Date"]
    else:
        assert headers[:3] == ["外部编号", "类型", "日期"]
    assert client.get(reverse("sales:import_template") + "?kind=nope").status_code == 404


def test_export_uses_scope_and_filters(world) -> None:
    admin = client_for(world.admin)
    token = token_of(upload(admin, HEADER + GOOD + OUT_OF_SCOPE))
    map_post(admin, token, ACTIVITY_MAP)
    admin.post(reverse("sales:import_commit", args=[token]))
    assert Activity.objects.count() == 2
    url = reverse("sales:export")
    everything = admin.get(url + "?kind=activity&format=csv").content.decode("utf-8-sig").splitlines()
    assert len(everything) == 3
    manager = client_for(world.manager_a_user)
    mine = manager.get(url + "?kind=activity&format=csv").content.decode("utf-8-sig").splitlines()
    assert len(mine) == 2
    assert "A1" in mine[1]
    # The list page appends its own filters, including its "kind" filter after the fact kind.
    calls = admin.get(url + "?kind=activity&format=csv&kind=call").content.decode("utf-8-sig").splitlines()
    assert len(calls) == 2
    assert "A2" in calls[1]
    since = admin.get(url + "?kind=activity&format=csv&date_from=2026-03-06").content.decode("utf-8-sig")
    assert len(since.splitlines()) == 2
    xlsx = admin.get(url + "?kind=activities&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert admin.get(url + "?kind=activity&format=pdf").status_code == 404
    assert admin.get(url + "?kind=nope").status_code == 404
