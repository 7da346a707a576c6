"""The file layout shared by org import and export: sheet names, column names (English and Chinese), values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from attain.org.choices import MembershipRole, UnitKind

UNITS = "units"
PEOPLE = "people"
MEMBERSHIPS = "memberships"
KINDS = (UNITS, PEOPLE, MEMBERSHIPS)


@dataclass(frozen=True)
class Sheet:
    """One kind of row: its sheet name in the workbook, its columns (canonical key → accepted headers)."""

    kind: str
    title: str
    aliases: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]

    def header(self) -> list[str]:
        """The export header: the first accepted name of each column (English, stable for machines)."""
        return [names[0] for names in self.columns.values()]


SHEETS: dict[str, Sheet] = {
    UNITS: Sheet(
        kind=UNITS,
        title="Units",
        aliases=("units", "unit", "org units", "组织单元", "组织", "部门", "組織單元", "組織"),
        columns={
            "code": ("code", "unit code", "编码", "单元编码", "组织编码", "代码", "編碼", "代碼"),
            "name": ("name", "unit name", "名称", "单元名称", "组织名称", "名稱"),
            "kind": ("kind", "type", "类型", "層級", "层级", "類型"),
            "parent_code": ("parent_code", "parent", "parent code", "上级编码", "上级", "上級編碼", "上級"),
            "is_active": ("is_active", "active", "启用", "是否启用", "啟用"),
        },
        required=("code", "name"),
    ),
    PEOPLE: Sheet(
        kind=PEOPLE,
        title="People",
        aliases=("people", "persons", "person", "人员", "员工", "人員", "員工"),
        columns={
            "employee_no": ("employee_no", "employee number", "employee no", "工号", "員工編號", "工號", "员工编号"),
            "name": ("name", "姓名", "名称", "名稱"),
            "email": ("email", "e-mail", "邮箱", "电子邮件", "郵箱", "電子郵件"),
            "phone": ("phone", "mobile", "电话", "手机", "電話", "手機"),
            "hired_on": ("hired_on", "hired on", "hire date", "入职日期", "入職日期"),
            "left_on": ("left_on", "left on", "leaving date", "离职日期", "離職日期"),
        },
        required=("employee_no", "name"),
    ),
    MEMBERSHIPS: Sheet(
        kind=MEMBERSHIPS,
        title="Memberships",
        aliases=("memberships", "membership", "任职", "任职记录", "任職", "任職記錄"),
        columns={
            "employee_no": ("employee_no", "employee number", "employee no", "工号", "員工編號", "工號", "员工编号"),
            "unit_code": ("unit_code", "unit", "unit code", "组织编码", "单元编码", "组织", "組織編碼", "組織"),
            "role": ("role", "角色", "职务", "職務"),
            "valid_from": ("valid_from", "valid from", "from", "start", "开始日期", "生效日期", "開始日期"),
            "valid_to": ("valid_to", "valid to", "to", "end", "结束日期", "截止日期", "結束日期"),
            "note": ("note", "备注", "備註"),
        },
        required=("employee_no", "unit_code", "valid_from"),
    ),
}

KIND_VALUES: dict[str, str] = {
    **{value: value for value in UnitKind.values},
    "公司": UnitKind.COMPANY,
    "集团": UnitKind.COMPANY,
    "區域": UnitKind.REGION,
    "区域": UnitKind.REGION,
    "大区": UnitKind.REGION,
    "大區": UnitKind.REGION,
    "分公司": UnitKind.BRANCH,
    "分支": UnitKind.BRANCH,
    "团队": UnitKind.TEAM,
    "團隊": UnitKind.TEAM,
    "小组": UnitKind.TEAM,
    "其他": UnitKind.OTHER,
}
ROLE_VALUES: dict[str, str] = {
    **{value: value for value in MembershipRole.values},
    "成员": MembershipRole.MEMBER,
    "成員": MembershipRole.MEMBER,
    "员工": MembershipRole.MEMBER,
    "经理": MembershipRole.MANAGER,
    "經理": MembershipRole.MANAGER,
    "负责人": MembershipRole.MANAGER,
    "負責人": MembershipRole.MANAGER,
    "主管": MembershipRole.MANAGER,
}
TRUE_VALUES = {"1", "true", "yes", "y", "是", "启用", "啟用", "t"}
FALSE_VALUES = {"0", "false", "no", "n", "否", "停用", "f"}


def normalise_header(value: Any) -> str:
    """Header text compared case- and spacing-insensitively (``Parent Code`` == ``parent_code``)."""
    text = cell_text(value).lower().replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def match_sheet(title: str) -> Sheet | None:
    """The sheet a workbook tab holds, by its (English or Chinese) name."""
    wanted = normalise_header(title)
    for sheet in SHEETS.values():
        if wanted in {normalise_header(alias) for alias in (sheet.title, *sheet.aliases)}:
            return sheet
    return None


def map_header(sheet: Sheet, header: list[Any]) -> dict[int, str]:
    """Column index → canonical key, for the headers this sheet knows (unknown headers are ignored)."""
    lookup = {normalise_header(alias): key for key, names in sheet.columns.items() for alias in names}
    mapping: dict[int, str] = {}
    for index, value in enumerate(header):
        key = lookup.get(normalise_header(value))
        if key is not None and key not in mapping.values():
            mapping[index] = key
    return mapping


def detect_csv_kind(header: list[Any]) -> Sheet | None:
    """Which kind a CSV holds, from its header row: memberships name a person and a unit, people a person."""
    keys = {kind: set(map_header(sheet, header).values()) for kind, sheet in SHEETS.items()}
    if {"employee_no", "unit_code", "valid_from"} <= keys[MEMBERSHIPS]:
        return SHEETS[MEMBERSHIPS]
    if {"employee_no", "name"} <= keys[PEOPLE]:
        return SHEETS[PEOPLE]
    if {"code", "name"} <= keys[UNITS]:
        return SHEETS[UNITS]
    return None


def cell_text(value: Any) -> str:
    """A cell as trimmed text; whole-number floats (how Excel stores ``1001``) lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> dt.date:
    """``2026-03-05``, ``2026/3/5``, ``2026年3月5日``, ``20260305``, an Excel serial or a date cell; else ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = cell_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    if re.fullmatch(r"\d{1,5}(\.0+)?", text):
        return _from_serial(float(text))
    raise ValueError(text)


def _from_serial(serial: float) -> dt.date:
    if not serial.is_integer() or not 1 <= serial <= 2958465:
        raise ValueError(str(serial))
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_bool(value: Any) -> bool:
    """Yes/no in English or Chinese, or 1/0; empty means yes (active by default); else ValueError."""
    text = cell_text(value).lower()
    if text == "" or text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(text)
