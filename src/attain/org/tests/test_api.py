from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attain.accounts.services import api_token_create
from attain.org.models import Membership, Person, Unit

pytestmark = pytest.mark.django_db
API = "/api/v1/org"


@pytest.fixture
def call(client):
    def do(user, method, path, **kwargs):
        headers = {}
        if user is not None:
            _, secret = api_token_create(user=user, name="t")
            headers["Authorization"] = f"Bearer {secret}"
        return getattr(client, method)(f"{API}{path}", headers=headers, **kwargs)

    return do


def test_anonymous_is_refused(call, world):
    assert call(None, "get", "/units").status_code == 401


def test_unit_list_scoped_with_counts(call, world):
    response = call(world.manager_north_user, "get", "/units?as_of=2026-02-01")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert set(rows) == {"N", "NA", "NB"}
    assert rows["NA"]["member_count"] == 2
    assert rows["NA"]["manager_count"] == 1
    assert call(world.rep_a_user, "get", "/units").status_code == 403


def test_unit_get_out_of_scope_is_404(call, world):
    assert call(world.manager_a_user, "get", f"/units/{world.team_a.pk}").json()["code"] == "NA"
    assert call(world.manager_a_user, "get", f"/units/{world.team_c.pk}").status_code == 404


def test_unit_subtree_and_members(call, world):
    codes = [u["code"] for u in call(world.admin, "get", f"/units/{world.north.pk}/subtree").json()]
    assert codes == ["N", "NA", "NB"]
    response = call(world.admin, "get", f"/units/{world.north.pk}/members?on=2026-02-01&include_subtree=true")
    assert {p["employee_no"] for p in response.json()} == {"E001", "E002", "M001", "M002"}
    response = call(world.admin, "get", f"/units/{world.team_a.pk}/members?on=2025-02-01")
    assert response.json() == []


def test_people_list_filter_and_pagination(call, world, django_assert_max_num_queries):
    response = call(world.admin, "get", "/people?q=张")
    assert [p["employee_no"] for p in response.json()["items"]] == ["E001"]
    response = call(world.admin, "get", f"/people?unit={world.south.pk}&on=2026-02-01")
    assert {p["employee_no"] for p in response.json()["items"]} == {"E003", "M003"}
    response = call(world.rep_a_user, "get", "/people")
    assert [p["employee_no"] for p in response.json()["items"]] == ["E001"]


def test_person_get_and_memberships(call, world):
    assert call(world.rep_a_user, "get", f"/people/{world.rep_a.pk}").status_code == 200
    assert call(world.rep_a_user, "get", f"/people/{world.rep_b.pk}").status_code == 404
    rows = call(world.admin, "get", f"/people/{world.manager_a.pk}/memberships").json()
    assert {(r["unit_code"], r["role"]) for r in rows} == {("NA", "member"), ("NA", "manager")}


def test_create_unit_person_membership_transfer(call, world):
    response = call(
        world.hr,
        "post",
        "/units",
        data={"code": "NC", "name": "北京三组", "kind": "team", "parent_id": world.north.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    unit_id = response.json()["id"]
    assert response.json()["path"].endswith(f"/{world.north.pk}/{unit_id}/")
    response = call(
        world.hr, "post", "/people", data={"employee_no": "E900", "name": "新人"}, content_type="application/json"
    )
    assert response.status_code == 201
    person_id = response.json()["id"]
    body = {"person_id": person_id, "unit_id": unit_id, "role": "member", "valid_from": "2026-03-01"}
    response = call(world.hr, "post", "/memberships", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    response = call(
        world.hr, "post", "/memberships", data=body | {"valid_from": "2026-04-01"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "membership_overlap"
    response = call(
        world.hr,
        "post",
        f"/people/{person_id}/transfer",
        data={"to_unit_id": world.team_c.pk, "on": "2026-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Membership.objects.get(person_id=person_id, unit_id=unit_id).valid_to == dt.date(2026, 4, 30)


def test_writes_refused_without_capability(call, world):
    response = call(world.director, "post", "/units", data={"code": "X", "name": "X"}, content_type="application/json")
    assert response.status_code == 403
    response = call(
        world.manager_a_user,
        "post",
        f"/people/{world.rep_a.pk}/transfer",
        data={"to_unit_id": world.team_a.pk, "on": "2026-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(code="X").exists()


def test_import_endpoint(call, world):
    csv_bytes = "工号,姓名\nE500,新员工\n".encode("gb18030")
    upload = SimpleUploadedFile("people.csv", csv_bytes, content_type="text/csv")
    response = call(world.admin, "post", "/import", data={"file": upload, "dry_run": "true"})
    assert response.status_code == 200, response.content
    assert response.json()["created"]["people"] == 1
    assert not Person.objects.filter(employee_no="E500").exists()
    bad = SimpleUploadedFile("m.csv", b"employee_no,unit_code,valid_from\nE404,NA,2026-01-01\n")
    response = call(world.admin, "post", "/import", data={"file": bad})
    assert response.status_code == 400
    assert response.json()["errors"][0] | {"message": ""} == {
        "code": "unknown_person",
        "message": "",
        "row": 2,
        "column": "employee_no",
        "value": "E404",
        "field": "m.csv",
    }
    upload = SimpleUploadedFile("people.csv", csv_bytes)
    assert call(world.finance, "post", "/import", data={"file": upload}).status_code == 403
