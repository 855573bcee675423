"""The demo county's liaison side: departments, 2,205 cadres, zone leaders, department–village
links and pairings that cover all but a few dozen households (DOMAIN.md §6).

Deterministic: the same data on every machine.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from districts.access import SYSTEM
from districts.demo import COUNTY_CODE, _person_name
from districts.models import Area, AreaLevel, Household, HouseholdStatus, Zone

from .coverage import coverage_recompute
from .models import (
    Cadre,
    ContactInfo,
    Department,
    DepartmentKind,
    DepartmentVillageLink,
    FiveLinksRule,
    Pairing,
    Rank,
    ZoneLeadership,
)

SEED = 2205
CADRES_TOTAL = 2205
UNCOVERED = 36  # households left without a cadre, for the gap list
IDLE = 24  # cadres left without households
COUNTY_DEPARTMENTS = [
    (
        DepartmentKind.PARTY_GOV,
        ["县委办公室", "县人大办公室", "县政府办公室", "县政协办公室", "县委组织部", "县委宣传部"],
    ),
    (DepartmentKind.POLITICAL_LEGAL, ["县委政法委", "县公安局", "县人民法院", "县司法局"]),
    (
        DepartmentKind.ECONOMIC,
        ["县发展和改革局", "县财政局", "县商务局", "县工业和信息化局", "县乡村振兴局"],
    ),
    (
        DepartmentKind.EDUCATION_CULTURE,
        ["县教育体育局", "县文化和旅游局", "县卫生健康局", "县科学技术协会"],
    ),
    (
        DepartmentKind.AGRI_SCIENCE,
        ["县农业农村局", "县林业和草原局", "县水务局", "县畜牧兽医站", "县科技局"],
    ),
    (DepartmentKind.OTHER, ["县审计局", "县统计局", "县民政局", "县人力资源和社会保障局"]),
]
# Ranks of the cadres that are not village cadres, by number.
RANK_COUNTS = [
    (Rank.COUNTY_LEADER, 25),
    (Rank.SECTION, 320),
    (Rank.INSTRUCTOR, 42),
    (Rank.GRADUATE_OFFICIAL, 42),
]
TOWNSHIP_LEADERS_EACH = 10
VILLAGE_CADRES_EACH = 10


@dataclass
class LiaisonDemoSummary:
    departments: int = 0
    cadres: int = 0
    leaders: int = 0
    links: int = 0
    pairings: int = 0
    uncovered: int = 0
    snapshots: int = 0


def liaison_demo_loaded() -> bool:
    return Department.objects.filter(area__code=COUNTY_CODE).exists()


def _parent_id(area: Area) -> int:
    """Return the id of the area's parent. Raise ValueError for a root area."""
    if area.parent_id is None:
        raise ValueError(f"Area {area.code} has no parent.")
    return area.parent_id


def _phone(rng: random.Random) -> str:
    return f"1390000{rng.randint(0, 9999):04d}"


@transaction.atomic
def load_liaison_demo(today: datetime.date) -> LiaisonDemoSummary:
    """Create the liaison side of the demo county (needs districts.demo loaded)."""
    rng = random.Random(SEED)
    summary = LiaisonDemoSummary()
    county = Area.objects.get(code=COUNTY_CODE)
    townships = list(Area.objects.filter(parent=county).order_by("code"))
    villages = list(Area.objects.filter(level=AreaLevel.VILLAGE).order_by("code"))

    county_departments: list[Department] = []
    for kind, names in COUNTY_DEPARTMENTS:
        for name in names:
            county_departments.append(Department(name=name, level="county", kind=kind, area=county))
    township_departments: dict[int, list[Department]] = {}
    for t in townships:
        township_departments[t.pk] = [
            Department(name=f"{t.name}党政办公室", level="township", kind="party_gov", area=t),
            Department(
                name=f"{t.name}农业综合服务中心", level="township", kind="agri_science", area=t
            ),
            Department(name=f"{t.name}村(社区)两委", level="township", kind="other", area=t),
        ]
    Department.objects.bulk_create(
        county_departments + [d for ds in township_departments.values() for d in ds]
    )
    summary.departments = len(county_departments) + 3 * len(townships)
    townships_by_id = {t.pk: t for t in townships}

    cadres: list[Cadre] = []

    def add(rank: str, department: Department, area: Area) -> None:
        gender = rng.choice(["male", "male", "female"])
        cadres.append(
            Cadre(
                name=_person_name(rng, area.code[:9] if len(area.code) >= 9 else "530827103"),
                gender=gender,
                department=department,
                rank=rank,
                phone=_phone(rng),
                area=area,
            )
        )

    for department in county_departments:
        add(Rank.DEPARTMENT_HEAD, department, county)
    for t in townships:
        office = township_departments[t.pk][0]
        add(Rank.DEPARTMENT_HEAD, office, t)
        for _ in range(TOWNSHIP_LEADERS_EACH):
            add(Rank.TOWNSHIP_LEADER, office, t)
    for village in villages:
        committee = township_departments[_parent_id(village)][2]
        for _ in range(VILLAGE_CADRES_EACH):
            add(Rank.VILLAGE_CADRE, committee, village)
    for rank, count in RANK_COUNTS:
        for i in range(count):
            if rank == Rank.COUNTY_LEADER:
                add(rank, county_departments[i % 4], county)
            elif rank in (Rank.INSTRUCTOR, Rank.GRADUATE_OFFICIAL):
                township = townships_by_id[_parent_id(villages[i % len(villages)])]
                add(rank, township_departments[township.pk][1], township)
            else:
                add(rank, county_departments[i % len(county_departments)], county)
    while len(cadres) < CADRES_TOTAL:
        i = len(cadres)
        if i % 3:
            add(Rank.ORDINARY, county_departments[i % len(county_departments)], county)
        else:
            t = townships[i % len(townships)]
            add(Rank.ORDINARY, township_departments[t.pk][i % 2], t)
    Cadre.objects.bulk_create(cadres)
    summary.cadres = len(cadres)

    # Department–village links: each village gets departments whose kind fits it (five
    # links), else two departments in turn, so every village has linked departments.
    rules = {r.village_category: r.department_kind for r in FiveLinksRule.objects.all()}
    by_kind: dict[str, list[Department]] = {}
    for d in county_departments:
        by_kind.setdefault(d.kind, []).append(d)
    links: list[DepartmentVillageLink] = []
    turn = 0
    for village in villages:
        chosen: list[Department] = []
        for category in village.categories or []:
            fitting = rules.get(category)
            if fitting and by_kind.get(fitting):
                chosen.append(by_kind[fitting][turn % len(by_kind[fitting])])
        while len(chosen) < 2:
            chosen.append(county_departments[turn % len(county_departments)])
            turn += 1
        for department in dict.fromkeys(chosen):
            links.append(
                DepartmentVillageLink(
                    department=department, village=village, start_date=datetime.date(2025, 1, 1)
                )
            )
        turn += 1
    DepartmentVillageLink.objects.bulk_create(links)
    summary.links = len(links)

    # Zone leaders serve at or above their zone: county leaders take townships, township
    # leaders take the villages of their township, village cadres the groups of their
    # village. Three group zones stay without a leader, for the gap list.
    by_area_rank: dict[tuple[int, str], list[Cadre]] = {}
    for c in cadres:
        by_area_rank.setdefault((c.area_id, c.rank), []).append(c)
    county_leaders = by_area_rank[(county.pk, Rank.COUNTY_LEADER)]
    leaderships: list[ZoneLeadership] = []
    start = datetime.date(2025, 1, 1)
    turns: dict[int, int] = {}

    def next_of(pool_key: int, pool: list[Cadre]) -> Cadre:
        i = turns.get(pool_key, 0)
        turns[pool_key] = i + 1
        return pool[i % len(pool)]

    zones = Zone.objects.prefetch_related("areas").order_by("level", "pk")
    group_zones = [z for z in zones if z.level == Zone.Level.GROUP]
    unled = {z.pk for z in group_zones[-3:]}
    for zone in zones:
        if zone.pk in unled:
            continue
        area = zone.areas.all()[0]
        if zone.level == Zone.Level.TOWNSHIP:
            leader = next_of(0, county_leaders)
        elif zone.level == Zone.Level.VILLAGE:
            township_id = _parent_id(area)
            leader = next_of(township_id, by_area_rank[(township_id, Rank.TOWNSHIP_LEADER)])
        else:
            village_id = _parent_id(area)
            leader = next_of(village_id, by_area_rank[(village_id, Rank.VILLAGE_CADRE)])
        leaderships.append(ZoneLeadership(zone=zone, cadre=leader, start_date=start))
    ZoneLeadership.objects.bulk_create(leaderships)
    summary.leaders = len(leaderships)

    # Pairings: the households of each village go to the cadres of its linked departments,
    # its own village cadres and its township's cadres, category matches first.
    summary.pairings, summary.uncovered = _pair_households(rng, cadres, links, villages, today)

    # What the contact cards print: the county's hotline and mailbox, a liaison officer
    # (a villager, 民情联络员) for every village.
    ContactInfo.objects.create(
        area=county,
        hotline="0879-8722110",
        mailbox="孟连县民情邮箱 mlmq@example.cn",
        opinion_box="各村委会门口",
    )
    ContactInfo.objects.bulk_create(
        ContactInfo(
            area=v,
            liaison_officer=_person_name(rng, v.code[:9]),
            liaison_officer_phone=_phone(rng),
        )
        for v in villages
    )

    # Snapshots for a trend: the first of each of the last six months, and today.
    days = sorted({_month_start(today, back) for back in range(6, 0, -1)} | {today})
    for day in days:
        summary.snapshots += coverage_recompute(as_of=day, by=SYSTEM)
    return summary


def _month_start(today: datetime.date, back: int) -> datetime.date:
    month = today.month - back
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, 1)


def _pair_households(
    rng: random.Random,
    cadres: list[Cadre],
    links: list[DepartmentVillageLink],
    villages: list[Area],
    today: datetime.date,
) -> tuple[int, int]:
    """Pair all but UNCOVERED active households; return (pairings, households left out)."""
    idle = set(rng.sample(range(len(cadres)), IDLE))
    workers = [c for i, c in enumerate(cadres) if i not in idle]
    linked: dict[int, list[Cadre]] = {}
    by_department: dict[int, list[Cadre]] = {}
    for c in workers:
        by_department.setdefault(c.department_id, []).append(c)
    for link in links:
        linked.setdefault(link.village_id, []).extend(by_department.get(link.department_id, []))
    local: dict[int, list[Cadre]] = {}
    for c in workers:
        local.setdefault(c.area_id, []).append(c)
    households = list(
        Household.objects.filter(status=HouseholdStatus.ACTIVE)
        .order_by("code")
        .values_list("pk", "village_id", "township_id")
    )
    skip = set(rng.sample(range(len(households)), UNCOVERED))
    load = {c.pk: 0 for c in workers}
    county_pool = [c for c in workers if c.area.level == AreaLevel.COUNTY]
    pairings: list[Pairing] = []
    # Start dates spread over the last 18 months, so the coverage trend rises.
    first = today - datetime.timedelta(days=540)
    for i, (pk, village_id, township_id) in enumerate(households):
        if i in skip:
            continue
        pool = (
            local.get(village_id, []) + linked.get(village_id, []) + local.get(township_id, [])
        ) or county_pool
        sample = rng.sample(pool, min(4, len(pool)))
        # Spread the county's cadres too: a quarter of households go to the county pool.
        if rng.random() < 0.25:
            sample += rng.sample(county_pool, 2)
        cadre = min(sample, key=lambda c: load[c.pk])
        load[cadre.pk] += 1
        start = first + datetime.timedelta(days=int(540 * (rng.random() ** 2)))
        pairings.append(Pairing(cadre=cadre, household_id=pk, start_date=start))
    Pairing.objects.bulk_create(pairings, batch_size=2000)
    return len(pairings), len(skip)
