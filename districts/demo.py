"""The demo county: Menglian (孟连), shaped like the seed article, generated deterministically.

6 townships, 42 villages, 618 village groups, about 34,000 households and 348 zones.
Names are plausible, ID numbers pass the checksum but are synthetic: every one has the
order code 9xx and every phone number starts 1390000.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from liaison.common.natural import natural_key

from .bulk import households_insert
from .models import (
    Area,
    AreaLevel,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    VillageCategory,
    Zone,
    ZoneArea,
)
from .validators import id_check_character

SEED = 530827
COUNTY_CODE = "530827"
TOWNSHIPS = [
    ("530827100", "娜允镇", 7),
    ("530827101", "勐马镇", 8),
    ("530827102", "芒信镇", 7),
    ("530827103", "富岩镇", 7),
    ("530827200", "景信乡", 7),
    ("530827201", "公信乡", 6),
]
GROUPS_TOTAL = 618
GROUP_ZONES_TOTAL = 300
_FIRST = "芒曼南勐那景公帕糯海班回富东允新"
_SECOND = "朗海卡回弄信岗冷糯坝腊允班洼拉东贺嘎洪别岩迈"
_NUMERALS = "一二三四五六七八九十"
_HOUSEHOLD_CATEGORY_ODDS = [
    (HouseholdCategory.EXTREME_HARDSHIP, 0.03),
    (HouseholdCategory.POOR, 0.12),
    (HouseholdCategory.PROBLEM, 0.02),
    (HouseholdCategory.EDUCATION_LAGGING, 0.05),
    (HouseholdCategory.LARGE_PRODUCER, 0.04),
    (HouseholdCategory.IN_DIFFICULTY, 0.08),
    (HouseholdCategory.PETITIONER, 0.015),
]
# Given names by people: Dai (岩/玉), Lahu (扎/娜), Wa (艾/叶), Han (surname + given name).
_DAI = (["岩"], ["玉"], "罕温应香甩保依叫坎论光腊喊")
_LAHU = (["扎"], ["娜"], "约克迫儿体发妥努丕拉")
_WA = (["艾", "尼"], ["叶", "娜"], "嘎块脏茸惹布")
_HAN_SURNAMES = "李张王刘杨陈赵周罗胡"
_HAN_GIVEN = ["建国", "秀英", "志强", "桂兰", "国华", "丽芬", "正明", "文兵", "玉兰", "春华"]


def chinese_number(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n - 1]
    if n < 20:
        return "十" + _NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return _NUMERALS[tens - 1] + "十" + (_NUMERALS[ones - 1] if ones else "")


@dataclass
class DemoSummary:
    townships: int = 0
    villages: int = 0
    groups: int = 0
    households: int = 0
    zones: int = 0


def demo_loaded() -> bool:
    return Area.objects.filter(code=COUNTY_CODE).exists()


@transaction.atomic
def load_demo_county() -> DemoSummary:
    """Create the demo county. Raise RuntimeError if it is already there."""
    if demo_loaded():
        raise RuntimeError("The demo county is already loaded.")
    rng = random.Random(SEED)
    summary = DemoSummary()
    province = _area("530000", "云南省", AreaLevel.PROVINCE, None)
    prefecture = _area("530800", "普洱市", AreaLevel.PREFECTURE, province)
    county = _area(COUNTY_CODE, "孟连傣族拉祜族佤族自治县", AreaLevel.COUNTY, prefecture)

    villages_per_township = [t[2] for t in TOWNSHIPS]
    n_villages = sum(villages_per_township)
    base, extra = divmod(GROUPS_TOTAL, n_villages)
    extra_villages = set(rng.sample(range(n_villages), extra))
    zone_base, zone_extra = divmod(GROUP_ZONES_TOTAL, n_villages)
    zone_extra_villages = set(rng.sample(range(n_villages), zone_extra))

    used_names: set[str] = set()
    village_index = 0
    township_zones, village_zones, group_zones = [], [], []
    households: list[Household] = []
    for t_code, t_name, n_v in TOWNSHIPS:
        township = _area(t_code, t_name, AreaLevel.TOWNSHIP, county)
        summary.townships += 1
        township_zones.append((f"{t_name}民情责任区", [township]))
        for v in range(n_v):
            name = _unique_name(rng, used_names)
            categories = rng.sample(VillageCategory.values, k=rng.choice([0, 0, 1, 1, 1, 2]))
            village = _area(
                f"{t_code}{201 + v:03d}", f"{name}村", AreaLevel.VILLAGE, township, categories
            )
            summary.villages += 1
            village_zones.append((f"{village.name}民情责任区", [village]))
            n_groups = base + (1 if village_index in extra_villages else 0)
            groups = []
            for g in range(1, n_groups + 1):
                group = _area(
                    f"{village.code}{g:03d}",
                    f"{name}{chinese_number(g)}组",
                    AreaLevel.GROUP,
                    village,
                )
                groups.append(group)
                households.extend(_households(rng, group, village, township, county))
            summary.groups += n_groups
            n_zones = zone_base + (1 if village_index in zone_extra_villages else 0)
            for z, chunk in enumerate(_split(groups, n_zones), start=1):
                group_zones.append((f"{village.name}第{chinese_number(z)}片区", chunk))
            village_index += 1

    summary.households = households_insert(households, reason="demo data")

    for level, zones in (
        (Zone.Level.TOWNSHIP, township_zones),
        (Zone.Level.VILLAGE, village_zones),
        (Zone.Level.GROUP, group_zones),
    ):
        created = Zone.objects.bulk_create(
            Zone(name=name, level=level, sort_key=natural_key(name)) for name, _ in zones
        )
        ZoneArea.objects.bulk_create(
            ZoneArea(zone=zone, area=area)
            for zone, (_, areas) in zip(created, zones, strict=True)
            for area in areas
        )
        summary.zones += len(created)
    return summary


def _area(
    code: str, name: str, level: str, parent: Area | None, categories: Iterable[str] = ()
) -> Area:
    return Area.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
        categories=list(categories),
    )


def _unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(_FIRST) + rng.choice(_SECOND)
        if name not in used:
            used.add(name)
            return name


def _split(items: list, parts: int) -> list[list]:
    size, rest = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < rest else 0)
        out.append(items[start:end])
        start = end
    return out


def _person_name(rng: random.Random, township_code: str) -> str:
    # Townships differ in their mix of peoples: Dai by the river, Lahu and Wa in the hills.
    roll = rng.random()
    if township_code in ("530827100", "530827101"):
        people = _DAI if roll < 0.6 else _LAHU if roll < 0.8 else None
    elif township_code in ("530827102", "530827200"):
        people = _LAHU if roll < 0.5 else _WA if roll < 0.8 else None
    else:
        people = _WA if roll < 0.45 else _LAHU if roll < 0.75 else _DAI if roll < 0.85 else None
    if people is None:
        return rng.choice(_HAN_SURNAMES) + rng.choice(_HAN_GIVEN)
    male, female, syllables = people
    prefix = rng.choice(male if rng.random() < 0.7 else female)
    return prefix + "".join(rng.sample(syllables, k=rng.choice([1, 1, 2])))


def synthetic_id_number(rng: random.Random, area_code: str = COUNTY_CODE) -> str:
    year = rng.randint(1945, 1998)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    first17 = f"{area_code}{year:04d}{month:02d}{day:02d}9{rng.randint(0, 99):02d}"
    return first17 + id_check_character(first17)


def _households(
    rng: random.Random, group: Area, village: Area, township: Area, county: Area
) -> list[Household]:
    out = []
    for n in range(1, rng.randint(40, 70) + 1):
        categories = [c for c, p in _HOUSEHOLD_CATEGORY_ODDS if rng.random() < p]
        roll = rng.random()
        status, status_date = HouseholdStatus.ACTIVE, None
        if roll < 0.005:
            status = HouseholdStatus.DEREGISTERED
        elif roll < 0.02:
            status = HouseholdStatus.MOVED_OUT
        if status != HouseholdStatus.ACTIVE:
            import datetime

            status_date = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 600))
        out.append(
            Household(
                code=f"{group.code}{n:03d}",
                group=group,
                village=village,
                township=township,
                county=county,
                head_name=_person_name(rng, township.code),
                members=rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8]),
                id_number=synthetic_id_number(rng),
                phone=f"1390000{rng.randint(0, 9999):04d}" if rng.random() < 0.85 else "",
                address=f"{group.name}{rng.randint(1, 120)}号",
                categories=categories,
                status=status,
                status_date=status_date,
            )
        )
    return out
