"""Three months of duty days for the demo county: most leaders meet their quotas, some do not,
with diaries in Chinese. Deterministic."""

import datetime
import random

from django.db import transaction

from districts.access import SYSTEM
from districts.models import Area, AreaLevel
from liaison.core.models import Cadre, Pairing

from .compliance import compliance_recompute, month_bounds
from .models import Activity, DutyDay, DutyQuota
from .services import zone_paths

SEED = 57
SEEN = [
    "村里新修的入户路已经通到组上",
    "几户人家的茶叶今年收成不错",
    "小学的围墙还没有修好",
    "困难户家的房子漏雨，需要尽快修缮",
    "村民反映饮水管道冬天容易冻裂",
    "合作社的咖啡收购价比去年高",
    "上访户对征地补偿仍有意见",
    "留守老人多，年轻人大多外出务工",
]
DID = [
    "和组长、党员一起开了院坝会",
    "帮助联系了农技员上门指导",
    "同群众一起下地采茶",
    "把群众反映的问题记下来带回部门",
    "在村里住了一晚，和老支书聊到深夜",
    "帮贫困户核对了补助发放情况",
]
THOUGHT = [
    "群众的事情要一件一件办实",
    "下次要带上水务局的同志一起来",
    "要多听少说，把情况摸清楚",
    "产业发展还需要找准路子",
]
PROBLEMS = ["饮水管道需要维修", "村道有一段塌方", "两户低保材料需要补齐", ""]


def _places(cadre: Cadre, day: datetime.date) -> list[Area]:
    paths = zone_paths(cadre, day)
    areas = list(Area.objects.filter(path__in=paths).only("pk", "path", "level", "name"))
    places = [a for a in areas if a.level in (AreaLevel.VILLAGE, AreaLevel.GROUP)]
    for a in areas:
        if a.level == AreaLevel.TOWNSHIP:
            places += list(
                Area.objects.filter(path__startswith=a.path, level=AreaLevel.VILLAGE).only(
                    "pk", "path", "level", "name"
                )
            )
    return places


def _diary(rng: random.Random) -> str:
    return f"{rng.choice(SEEN)}。{rng.choice(DID)}。{rng.choice(THOUGHT)}。"


@transaction.atomic
def load_duty_demo(today: datetime.date) -> tuple[int, int]:
    """Create duty days for the two months before `today`'s and this month so far.

    Return (duty days, compliance rows).
    """
    rng = random.Random(SEED)
    this_month = today.replace(day=1)
    previous = (this_month - datetime.timedelta(days=1)).replace(day=1)
    first = (previous - datetime.timedelta(days=1)).replace(day=1)
    months = [first]
    while months[-1] < this_month:
        months.append(month_bounds(months[-1])[1])
    other_villages = list(Area.objects.filter(level=AreaLevel.VILLAGE).order_by("pk"))
    quotas = dict(DutyQuota.objects.values_list("rank", "days_per_month"))
    cadres = list(Cadre.objects.filter(left_date__isnull=True).order_by("pk"))
    pairs: dict[int, list[tuple[int, int, int]]] = {}
    for cadre_id, hid, group_id, village_id in Pairing.objects.active().values_list(
        "cadre_id", "household_id", "household__group_id", "household__village_id"
    ):
        pairs.setdefault(cadre_id, []).append((hid, group_id, village_id))
    days, links = [], []
    for cadre in cadres:
        places = _places(cadre, today)
        if not places:
            continue
        quota = quotas.get(cadre.rank, 0)
        leader = quota > 0
        for month in months:
            start, end = month_bounds(month)
            last = min(end - datetime.timedelta(days=1), today)
            span = (last - start).days + 1
            if leader:
                # Four in five meet the quota; the rest fall a few days short.
                wanted = (
                    quota + rng.randint(0, 2) if rng.random() < 0.8 else rng.randint(1, quota - 1)
                )
            else:
                wanted = rng.choice([0, 0, 1, 2, 3, 4])
            if month == this_month:
                wanted = wanted * span // 30
            # Now and then a day elsewhere, on top: recorded, not counted.
            extra = 1 if rng.random() < 0.15 else 0
            dates = sorted(rng.sample(range(span), min(wanted + extra, span)))
            elsewhere_at = rng.randrange(len(dates)) if extra and dates else -1
            for i, offset in enumerate(dates):
                date = start + datetime.timedelta(days=offset)
                elsewhere = i == elsewhere_at
                area = rng.choice(other_villages) if elsewhere else rng.choice(places)
                visited = [hid for hid, g, v in pairs.get(cadre.pk, []) if area.pk in (g, v)]
                visited = (
                    rng.sample(visited, min(len(visited), rng.randint(1, 4))) if visited else []
                )
                activities = [Activity.TALKED_WITH_CADRES] if rng.random() < 0.6 else []
                if visited:
                    activities.insert(0, Activity.VISITED_HOUSEHOLDS)
                if rng.random() < 0.2:
                    activities.append(Activity.FARM_WORK)
                if rng.random() < 0.1:
                    activities.append(Activity.STAYED_OVERNIGHT)
                day = DutyDay(
                    cadre=cadre,
                    date=date,
                    area=area,
                    activities=activities or [Activity.VILLAGE_ACTIVITY],
                    diary=_diary(rng),
                    problems=rng.choice(PROBLEMS),
                    in_zone=not elsewhere or any(area.path.startswith(p.path) for p in places),
                )
                days.append(day)
                links.append(visited)
    DutyDay.objects.bulk_create(days, batch_size=2000)
    through = DutyDay.households.through
    through.objects.bulk_create(
        [
            through(dutyday_id=day.pk, household_id=hid)
            for day, visited in zip(days, links, strict=True)
            for hid in visited
        ],
        batch_size=5000,
    )
    rows = sum(compliance_recompute(month=m, by=SYSTEM).rows for m in months)
    return len(days), rows
