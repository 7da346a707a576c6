from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attain.org.models import Person

pytestmark = pytest.mark.django_db


def test_tree_page(client, world, django_assert_max_num_queries):
    client.force_login(world.director)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:tree") + "?as_of=2026-02-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "华北区" in body
    assert "广州组" in body


def test_tree_scoped_and_forbidden(client, world):
    client.force_login(world.manager_a_user)
    body = client.get(reverse("org:tree")).content.decode()
    assert "北京一组" in body
    assert "广州组" not in body
    client.force_login(world.rep_a_user)
    assert client.get(reverse("org:tree")).status_code == 403
    client.logout()
    assert client.get(reverse("org:tree")).status_code == 302


def test_unit_page(client, world):
    client.force_login(world.director)
    response = client.get(reverse("org:unit_detail", args=[world.team_a.pk]) + "?as_of=2026-02-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "赵经理" in body
    assert "张三" in body
    client.force_login(world.manager_a_user)
    assert client.get(reverse("org:unit_detail", args=[world.team_c.pk])).status_code == 404


def test_person_pages(client, world, django_assert_max_num_queries):
    client.force_login(world.admin)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("org:person_list") + "?q=张")
    assert response.status_code == 200
    assert "张三" in response.content.decode()
    assert "李四" not in response.content.decode()
    partial = client.get(reverse("org:person_list") + f"?unit={world.south.pk}", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "王五" in partial.content.decode()
    response = client.get(reverse("org:person_detail", args=[world.rep_a.pk]) + "?as_of=2026-02-01")
    assert "赵经理" in response.content.decode()
    client.force_login(world.rep_a_user)
    assert client.get(reverse("org:person_detail", args=[world.rep_a.pk])).status_code == 200
    assert client.get(reverse("org:person_detail", args=[world.rep_b.pk])).status_code == 404


def test_export_downloads(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("org:export", args=["xlsx"]))
    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    response = client.get(reverse("org:export", args=["zip"]))
    assert sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == [
        "memberships.csv",
        "people.csv",
        "units.csv",
    ]
    assert client.get(reverse("org:export", args=["pdf"])).status_code == 404


def test_import_preview_then_commit(client, world):
    client.force_login(world.hr)
    upload = SimpleUploadedFile("people.csv", "工号,姓名\nE700,新同事\n".encode("gb18030"))
    response = client.post(reverse("org:import"), {"file": upload})
    assert response.status_code == 200
    assert not Person.objects.filter(employee_no="E700").exists()
    token = response.context["token"]
    response = client.post(reverse("org:import"), {"token": token})
    assert response.status_code == 302
    assert Person.objects.get(employee_no="E700").name == "新同事"


def test_import_errors_shown_and_forbidden(client, world):
    client.force_login(world.hr)
    upload = SimpleUploadedFile("org.xlsx", b"\x89PNG\r\n\x1a\n")
    response = client.post(reverse("org:import"), {"file": upload})
    assert response.status_code == 400
    assert "not a readable Excel workbook" in response.content.decode() or response.context["error"].details
    client.force_login(world.director)
    assert client.get(reverse("org:import")).status_code == 403


def test_transfer_page_moves_a_person_and_keeps_the_history(client, world):
    from attain.org import selectors

    client.force_login(world.hr)
    url = reverse("org:person_transfer", args=[world.rep_b.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "广州组" in page.content.decode()
    response = client.post(url, {"to_unit": world.team_c.pk, "on": "2026-06-01", "note": "支援华南"})
    assert response.status_code == 302
    assert response["Location"] == reverse("org:person_detail", args=[world.rep_b.pk])
    assert selectors.person_unit_on(person=world.rep_b, on=dt.date(2026, 5, 31)) == world.team_b
    assert selectors.person_unit_on(person=world.rep_b, on=dt.date(2026, 6, 1)) == world.team_c
    history = client.get(response["Location"]).content.decode()
    assert "北京二组" in history
    assert "广州组" in history


def test_transfer_page_shows_service_errors_and_writes_nothing(client, world):
    client.force_login(world.admin)
    url = reverse("org:person_transfer", args=[world.rep_b.pk])
    before = list(world.rep_b.memberships.values_list("unit_id", "valid_from", "valid_to"))
    response = client.post(url, {"to_unit": world.team_b.pk, "on": "2026-06-01"})
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    response = client.post(url, {"to_unit": world.team_c.pk, "on": ""})
    assert response.status_code == 400
    assert list(world.rep_b.memberships.values_list("unit_id", "valid_from", "valid_to")) == before


def test_transfer_page_needs_org_change_and_scope(client, world):
    url = reverse("org:person_transfer", args=[world.rep_c.pk])
    for user in (world.rep_a_user, world.manager_a_user, world.director):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"to_unit": world.team_a.pk, "on": "2026-06-01"}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_tree_shows_headcount_including_sub_units(client, world):
    client.force_login(world.director)
    body = client.get(reverse("org:tree") + "?as_of=2026-02-01").content.decode()
    # north: manager_north directly, team_a (rep_a, manager_a) and team_b (rep_b) below it
    assert "4 including sub-units" in body
    # the company: everyone who is a member somewhere (six people)
    assert "6 including sub-units" in body
