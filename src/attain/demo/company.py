"""The demo company's shape and its people, as plain values: no database, no Django.

``company_plan(size=…, seed=…, as_of=…)`` turns a size and a seed into a ``CompanyPlan``: the org tree
(company → regions → teams), product lines, territories, and every person with their hire date, team and
the year's events (transfers, leavers, new hires, a change of team manager). The same size, seed and date
always give the same plan, so a demo is reproducible; ``demo.services`` then builds it through the domain
services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

COMPANY_CODE = "XC"
COMPANY_NAME = "星辰科技有限公司"
EMAIL_DOMAIN = "xingchen.example.com"
EMPLOYEE_NO_PREFIX = "XC"

# Share of reps who, during the last twelve months, moved team / left / joined.
TRANSFER_SHARE = 0.08
LEAVER_SHARE = 0.05
NEW_HIRE_SHARE = 0.07


# --- Names ---------------------------------------------------------------------------------------------------

# Common surnames with their pinyin (roughly in order of frequency, so the rng favours the front of the list).
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
    ("曾", "zeng"), ("田", "tian"), ("董", "dong"), ("潘", "pan"), ("袁", "yuan"), ("蔡", "cai"),
    ("蒋", "jiang"), ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("魏", "wei"),
    ("苏", "su"), ("吕", "lv"), ("丁", "ding"), ("沈", "shen"), ("任", "ren"), ("姚", "yao"),
    ("卢", "lu"), ("钟", "zhong"), ("崔", "cui"), ("谭", "tan"), ("范", "fan"), ("廖", "liao"),
    ("石", "shi"), ("金", "jin"), ("贾", "jia"), ("夏", "xia"), ("方", "fang"), ("邹", "zou"),
    ("熊", "xiong"), ("白", "bai"), ("孟", "meng"), ("秦", "qin"), ("邱", "qiu"), ("侯", "hou"),
    ("薛", "xue"), ("雷", "lei"), ("龙", "long"), ("史", "shi"), ("陶", "tao"), ("贺", "he"),
    ("顾", "gu"), ("邵", "shao"), ("钱", "qian"), ("严", "yan"), ("欧阳", "ouyang"), ("上官", "shangguan"),
)  # fmt: skip

GIVEN_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("建", "jian"),
    ("文", "wen"), ("辉", "hui"), ("玲", "ling"), ("婷", "ting"), ("宇", "yu"), ("浩", "hao"),
    ("凯", "kai"), ("鹏", "peng"), ("晨", "chen"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"),
    ("思", "si"), ("雨", "yu"), ("轩", "xuan"), ("博", "bo"), ("子", "zi"), ("涵", "han"),
    ("睿", "rui"), ("琳", "lin"), ("倩", "qian"), ("雪", "xue"), ("斌", "bin"), ("峰", "feng"),
    ("鑫", "xin"), ("亮", "liang"), ("飞", "fei"), ("宁", "ning"), ("璐", "lu"), ("颖", "ying"),
    ("慧", "hui"), ("晓", "xiao"), ("志", "zhi"), ("俊", "jun"), ("帆", "fan"), ("航", "hang"),
    ("天", "tian"), ("泽", "ze"), ("嘉", "jia"), ("诗", "shi"), ("悦", "yue"), ("蕾", "lei"),
)  # fmt: skip

ENGLISH_GIVEN_NAMES: tuple[str, ...] = (
    "Kevin", "David", "Jason", "Eric", "Tony", "Jack", "Leo", "Vincent", "Frank", "Allen",
    "Lily", "Grace", "Cindy", "Amy", "Vivian", "Helen", "Sophia", "Emma", "Iris", "Alice",
)  # fmt: skip

ENGLISH_NAME_SHARE = 0.08
MOBILE_PREFIXES = ("138", "139", "136", "137", "150", "151", "158", "186", "187", "177", "135", "189")


@dataclass(frozen=True)
class PersonName:
    """A generated name: the Chinese name as shown, its pinyin parts, and an optional English given name."""

    surname: str
    given: str
    surname_pinyin: str
    given_pinyin: str
    english: str = ""

    @property
    def chinese(self) -> str:
        return self.surname + self.given

    @property
    def display(self) -> str:
        """How the name appears in Attain: ``王伟``, or ``王伟 (David)`` for someone who uses an English name."""
        return f"{self.chinese} ({self.english})" if self.english else self.chinese

    @property
    def login_stem(self) -> str:
        """A login made of the pinyin, surname first: ``wang.wei``."""
        return f"{self.surname_pinyin}.{self.given_pinyin}"


class NameGenerator:
    """Draws distinct, realistic Chinese names from a seeded random source (same seed, same names)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()
        self._surname_weights = [1.0 / (rank + 4) for rank in range(len(SURNAMES))]

    def draw(self) -> PersonName:
        for _attempt in range(1000):
            surname, surname_pinyin = self._rng.choices(SURNAMES, weights=self._surname_weights)[0]
            parts = self._rng.sample(GIVEN_CHARACTERS, 2 if self._rng.random() < 0.65 else 1)
            given = "".join(char for char, _pinyin in parts)
            if surname + given in self._used:
                continue
            self._used.add(surname + given)
            english = self._rng.choice(ENGLISH_GIVEN_NAMES) if self._rng.random() < ENGLISH_NAME_SHARE else ""
            return PersonName(
                surname=surname,
                given=given,
                surname_pinyin=surname_pinyin,
                given_pinyin="".join(pinyin for _char, pinyin in parts),
                english=english,
            )
        raise RuntimeError("ran out of distinct demo names")  # pragma: no cover - thousands are available

    def phone(self) -> str:
        return self._rng.choice(MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"


# --- Structure -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    code: str  # IATA-style city code, used in unit and territory codes
    name: str


@dataclass(frozen=True)
class RegionTemplate:
    """A sales region and the order in which its cities get teams as the company grows."""

    code: str
    name: str
    team_cities: tuple[City, ...]


def _cities(*pairs: str) -> tuple[City, ...]:
    return tuple(City(code=pair.split(":")[0], name=pair.split(":")[1]) for pair in pairs)


REGIONS: tuple[RegionTemplate, ...] = (
    RegionTemplate(
        "HD", "华东区",
        _cities("SHA:上海", "SHA:上海", "HGH:杭州", "NKG:南京", "SZV:苏州", "SHA:上海",
                "HGH:杭州", "NGB:宁波", "HFE:合肥", "SHA:上海", "NKG:南京", "WUX:无锡"),
    ),
    RegionTemplate(
        "HB", "华北区",
        _cities("PEK:北京", "PEK:北京", "TSN:天津", "TNA:济南", "PEK:北京", "TAO:青岛",
                "SJW:石家庄", "TYN:太原", "PEK:北京", "TSN:天津", "TNA:济南", "SHE:沈阳"),
    ),
    RegionTemplate(
        "HN", "华南区",
        _cities("CAN:广州", "SZX:深圳", "SZX:深圳", "XMN:厦门", "CAN:广州", "FOC:福州",
                "DGM:东莞", "SZX:深圳", "NNG:南宁", "FUO:佛山", "CAN:广州", "HAK:海口"),
    ),
    RegionTemplate(
        "HZ", "华中区",
        _cities("WUH:武汉", "WUH:武汉", "CSX:长沙", "CGO:郑州", "KHN:南昌", "WUH:武汉",
                "CSX:长沙", "CGO:郑州", "XFN:襄阳", "YIH:宜昌", "LYA:洛阳", "HNY:衡阳"),
    ),
    RegionTemplate(
        "XN", "西南区",
        _cities("CTU:成都", "CTU:成都", "CKG:重庆", "CKG:重庆", "KMG:昆明", "KWE:贵阳",
                "CTU:成都", "CKG:重庆", "XIY:西安", "LHW:兰州", "MIG:绵阳", "LXA:拉萨"),
    ),
)  # fmt: skip

PRODUCT_LINES: tuple[tuple[str, str], ...] = (
    ("XC-PL-SW", "企业软件"),
    ("XC-PL-CLOUD", "云服务"),
    ("XC-PL-HW", "硬件"),
    ("XC-PL-SVC", "实施服务"),
)

CHINESE_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class SizeSpec:
    """How big a demo company is: teams per region (one entry per region) and the number of reps."""

    name: str
    teams_per_region: tuple[int, ...]
    rep_total: int


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec("small", (2, 2, 2), 30),
    "medium": SizeSpec("medium", (5, 4, 3), 100),
    "large": SizeSpec("large", (12, 12, 12, 12, 12), 1000),
}
DEFAULT_SIZE = "medium"
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class TeamPlan:
    code: str
    name: str
    city: City
    region_code: str


@dataclass(frozen=True)
class RegionPlan:
    code: str
    name: str
    teams: tuple[TeamPlan, ...]


@dataclass(frozen=True)
class TerritoryPlan:
    code: str
    name: str
    parent_code: str | None
    unit_code: str


@dataclass(frozen=True)
class PersonPlan:
    """One person of the demo company and the part they play in it.

    ``unit_code`` is where they start (their team for reps, the unit they manage for managers);
    ``role`` is their login role (``director``, ``manager``, ``rep``, ``hr``, ``finance``).
    """

    employee_no: str
    name: PersonName
    role: str
    unit_code: str
    hired_on: dt.date
    phone: str
    is_new_hire: bool = False
    transfer_to: str | None = None
    transfer_on: dt.date | None = None
    left_on: dt.date | None = None
    promoted_on: dt.date | None = None  # a rep who becomes their team's manager on this date
    replaced_on: dt.date | None = None  # a manager who hands over the team on this date (and leaves)
    has_login: bool = False
    in_org: bool = True  # HR and finance sit outside the sales tree: a login, no membership

    @property
    def email(self) -> str:
        return f"{self.name.login_stem}@{EMAIL_DOMAIN}"


@dataclass
class CompanyPlan:
    """Everything the demo creates, in creation order."""

    size: str
    seed: int
    as_of: dt.date
    company_code: str
    company_name: str
    regions: tuple[RegionPlan, ...]
    product_lines: tuple[tuple[str, str], ...]
    territories: tuple[TerritoryPlan, ...]
    people: list[PersonPlan] = field(default_factory=list)

    @property
    def teams(self) -> list[TeamPlan]:
        return [team for region in self.regions for team in region.teams]


def _team_plans(region: RegionTemplate, count: int) -> tuple[TeamPlan, ...]:
    if count > len(region.team_cities):
        raise ValueError(f"region {region.code} has room for {len(region.team_cities)} teams, not {count}")
    cities = region.team_cities[:count]
    per_city: dict[str, int] = {}
    for city in cities:
        per_city[city.code] = per_city.get(city.code, 0) + 1
    seen: dict[str, int] = {}
    teams = []
    for city in cities:
        seen[city.code] = seen.get(city.code, 0) + 1
        ordinal = seen[city.code]
        suffix = f"{CHINESE_ORDINALS[ordinal - 1]}组" if per_city[city.code] > 1 else "组"
        teams.append(
            TeamPlan(
                code=f"{COMPANY_CODE}-{region.code}-{city.code}{ordinal}",
                name=f"{city.name}{suffix}",
                city=city,
                region_code=f"{COMPANY_CODE}-{region.code}",
            )
        )
    return tuple(teams)


def _territory_plans(regions: Sequence[RegionPlan]) -> tuple[TerritoryPlan, ...]:
    """A territory per region, owned by the region; under it one per city, owned by the city's only team
    (or by the region when several teams share the city)."""
    territories: list[TerritoryPlan] = []
    for region in regions:
        region_territory = f"XC-T-{region.code.removeprefix(COMPANY_CODE + '-')}"
        territories.append(TerritoryPlan(region_territory, region.name, None, region.code))
        by_city: dict[City, list[TeamPlan]] = {}
        for team in region.teams:
            by_city.setdefault(team.city, []).append(team)
        for city, teams in by_city.items():
            owner = teams[0].code if len(teams) == 1 else region.code
            territories.append(TerritoryPlan(f"{region_territory}-{city.code}", city.name, region_territory, owner))
    return tuple(territories)


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split into ``parts`` uneven but close shares (each at least 3) that sum exactly to it."""
    counts = [total // parts + (1 if index < total % parts else 0) for index in range(parts)]
    for index in range(parts):
        other = (index + 1) % parts
        shift = rng.randint(-2, 2)
        if parts > 1 and counts[index] + shift >= 3 and counts[other] - shift >= 3:
            counts[index] += shift
            counts[other] -= shift
    return counts


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def company_plan(*, size: str = DEFAULT_SIZE, seed: int = DEFAULT_SEED, as_of: dt.date) -> CompanyPlan:
    """The demo company of ``size`` for ``seed``, with the year's events in the twelve months before ``as_of``."""
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(f"attain-demo:{size}:{seed}")
    names = NameGenerator(rng)

    regions = tuple(
        RegionPlan(code=f"{COMPANY_CODE}-{template.code}", name=template.name, teams=_team_plans(template, count))
        for template, count in zip(REGIONS, spec.teams_per_region, strict=False)
    )
    plan = CompanyPlan(
        size=size,
        seed=seed,
        as_of=as_of,
        company_code=COMPANY_CODE,
        company_name=COMPANY_NAME,
        regions=regions,
        product_lines=PRODUCT_LINES,
        territories=_territory_plans(regions),
    )

    # The story of the year happens between a year ago and two weeks ago, so every event is in the past.
    window_start = as_of - dt.timedelta(days=330)
    window_end = as_of - dt.timedelta(days=14)
    veteran_from = as_of - dt.timedelta(days=365 * 9)
    veteran_to = as_of - dt.timedelta(days=400)
    serial = iter(range(1, 1_000_000))

    def person(
        role: str, unit_code: str, *, hired_on: dt.date | None = None, has_login: bool = False, in_org: bool = True
    ) -> PersonPlan:
        return PersonPlan(
            employee_no=f"{EMPLOYEE_NO_PREFIX}{next(serial):05d}",
            name=names.draw(),
            role=role,
            unit_code=unit_code,
            hired_on=hired_on or _day_between(rng, veteran_from, veteran_to),
            phone=names.phone(),
            is_new_hire=hired_on is not None,
            has_login=has_login,
            in_org=in_org,
        )

    people = plan.people
    people.append(person("director", COMPANY_CODE, has_login=True))
    people.append(person("hr", COMPANY_CODE, has_login=True, in_org=False))
    people.append(person("finance", COMPANY_CODE, has_login=True, in_org=False))
    people.extend(person("manager", region.code, has_login=True) for region in regions)
    team_managers = {team.code: person("manager", team.code, has_login=True) for team in plan.teams}

    reps: list[PersonPlan] = []
    teams = plan.teams
    for team, count in zip(teams, _spread(spec.rep_total, len(teams), rng), strict=True):
        for _index in range(count):
            if rng.random() < NEW_HIRE_SHARE:
                hired_on = _day_between(rng, window_start, window_end)
                reps.append(person("rep", team.code, hired_on=hired_on))
            else:
                reps.append(person("rep", team.code))

    # Events of the year touch disjoint sets of veterans, so each rep's history stays easy to read.
    veterans = [index for index, rep in enumerate(reps) if not rep.is_new_hire]
    rng.shuffle(veterans)
    transfer_count = max(1, round(len(reps) * TRANSFER_SHARE))
    leaver_count = max(1, round(len(reps) * LEAVER_SHARE))
    movers, leavers = veterans[:transfer_count], veterans[transfer_count : transfer_count + leaver_count]
    team_codes = [team.code for team in teams]
    for index in movers:
        rep = reps[index]
        same_region = [
            code
            for code in team_codes
            if code != rep.unit_code and code.rsplit("-", 1)[0] == rep.unit_code.rsplit("-", 1)[0]
        ]
        elsewhere = [code for code in team_codes if code != rep.unit_code]
        choices = same_region if same_region and rng.random() < 0.7 else elsewhere
        reps[index] = replace(
            rep, transfer_to=rng.choice(choices), transfer_on=_day_between(rng, window_start, window_end)
        )
    for index in leavers:
        reps[index] = replace(reps[index], left_on=_day_between(rng, window_start, window_end))

    # One team changes manager during the year: the manager leaves and a rep of the team is promoted.
    handover_team = teams[1 % len(teams)].code
    handover_on = _day_between(rng, window_start, window_end)
    busy = set(movers) | set(leavers)
    successor = next(
        index
        for index, rep in enumerate(reps)
        if rep.unit_code == handover_team and index not in busy and not rep.is_new_hire
    )
    reps[successor] = replace(reps[successor], promoted_on=handover_on, has_login=True)
    outgoing = team_managers[handover_team]
    team_managers[handover_team] = replace(
        outgoing, replaced_on=handover_on, left_on=handover_on - dt.timedelta(days=1), has_login=False
    )

    # Logins: every manager in post, plus one rep per region and one rep who changed team, as showcases.
    for region in regions:
        showcase = next(
            index
            for index, rep in enumerate(reps)
            if rep.unit_code.startswith(region.code + "-") and index not in busy and rep.promoted_on is None
        )
        reps[showcase] = replace(reps[showcase], has_login=True)
    reps[movers[0]] = replace(reps[movers[0]], has_login=True)

    people.extend(team_managers.values())
    people.extend(reps)
    return plan
