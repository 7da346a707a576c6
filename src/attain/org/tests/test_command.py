from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from attain.org.models import Person

pytestmark = pytest.mark.django_db


def test_export_import_tree(tmp_path, world, capsys):
    target = tmp_path / "org.xlsx"
    call_command("org", "export", str(target))
    assert target.stat().st_size > 0
    capsys.readouterr()
    call_command("org", "import", str(target), "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert sum(summary["created"].values()) + sum(summary["updated"].values()) == 0
    call_command("org", "tree", "--format", "json")
    tree = json.loads(capsys.readouterr().out)
    assert tree[0]["code"] == "HQ"


def test_import_json_summary_and_errors(tmp_path, db, capsys):
    good = tmp_path / "people.csv"
    good.write_bytes("工号,姓名\nE1,甲\n".encode("gb18030"))
    call_command("org", "import", str(good), "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"]["people"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"employee_no,name,hired_on\nE2,B,notadate\n")
    with pytest.raises(SystemExit) as excinfo:
        call_command("org", "import", str(bad), "--format", "json")
    assert excinfo.value.code == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["errors"][0]["row"] == 2
    assert payload["errors"][0]["column"] == "hired_on"
    assert not Person.objects.filter(employee_no="E2").exists()
