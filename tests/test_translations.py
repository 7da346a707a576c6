"""Translations: every user-visible string has a current zh-Hans and zh-Hant translation.

Fails when a Chinese catalogue has an untranslated or fuzzy entry, when a compiled ``.mo`` is older than
its ``.po``, or when the code has strings the catalogues do not (``make messages`` regenerates them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "attain"
LOCALE = PACKAGE / "locale"
CHINESE = ["zh_Hans", "zh_Hant"]
pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None and os.environ.get("CI") != "true", reason="gettext")


def _catalogue(language: str) -> polib.POFile:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing catalogue {path} (run `make messages`)"
    return polib.pofile(str(path))


@pytest.mark.parametrize("language", CHINESE)
def test_chinese_catalogues_are_complete(language: str) -> None:
    catalogue = _catalogue(language)
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize("language", [*CHINESE, "en"])
def test_compiled_catalogues_match_their_sources(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing (run `make messages`)"
    compiled = polib.mofile(str(mo))
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(po)).translated_entries()}
    binary = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled if e.msgid}
    assert source == binary, f"{mo} is out of date with {po} (run `make messages`)"


@pytest.mark.parametrize("language", CHINESE)
def test_simplified_and_traditional_differ_where_they_should(language: str) -> None:
    # A zh-Hant catalogue copied from zh-Hans would pass the completeness test; this catches the obvious case.
    catalogue = {entry.msgid: entry.msgstr for entry in _catalogue(language).translated_entries()}
    if language == "zh_Hant":
        assert catalogue.get("Organisation") == "組織架構"
        assert catalogue.get("Home") == "首頁"
    else:
        assert catalogue.get("Organisation") == "组织架构"
        assert catalogue.get("Home") == "首页"


def test_catalogues_are_current_with_the_code(tmp_path: Path) -> None:
    """Extract the strings from a copy of the code and compare with the committed catalogue."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed (apt-get install gettext)")
    copy = tmp_path / "attain"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "static", "__pycache__", "tests"))
    (tmp_path / "catalogue_settings.py").write_text(
        f"from attain.settings.test import *  # noqa\nLOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    )
    (tmp_path / "locale").mkdir()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalogue_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    wanted = {(entry.msgctxt, entry.msgid) for entry in extracted}
    committed = {(entry.msgctxt, entry.msgid) for entry in _catalogue("zh_Hans") if not entry.obsolete}
    missing = sorted(str(m[1]) for m in wanted - committed)
    assert not missing, f"{len(missing)} strings are not in the catalogues (run `make messages`): {missing[:15]}"
