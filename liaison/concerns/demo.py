"""Six months of concerns for the demo county: raised through every channel, routed by the
real rules, worked to working-day deadlines, some late, escalated and reopened, each with
its timeline. Deterministic: the same data for the same day.

Each concern's life is played forward from its receipt: the township assigns what routing
left in its queue, the owner accepts, may ask for information, resolves, the household is
called back (satisfied, or not: reopened), and the escalation job raises the levels of what
runs late and closes what nobody can be called back about, as it would have every 15 minutes.
Whatever a concern has reached by the start of the demo day is its state. The rows are
written in bulk; running `escalate_concerns` on the demo day afterwards changes nothing.
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.demo import COUNTY_CODE, _person_name
from districts.models import Area, AreaLevel, Household, HouseholdStatus
from liaison.core.models import Cadre, Department, Pairing, Rank, ZoneLeadership

from .models import (
    OPEN_STATES,
    BoxOpening,
    Category,
    Channel,
    Concern,
    ConcernEvent,
    ConcernPolicy,
    Feedback,
    Kind,
    Notification,
    OfficerReport,
    OpinionBox,
    Priority,
    State,
    TrackingSequence,
)
from .services import ESCALATING, LOOKUP_ALPHABET, Route, deadlines_for
from .statistics import days_to_resolve
from .workdays import Calendar

SEED = 1010
CONCERNS = 2900  # raised through the channels other than the opinion boxes
DAYS = 183  # six months back from the demo day
# The village of the demo cadre account and of the demo liaison officer (曼迈村).
FOCUS_VILLAGE = "530827100201"
FOCUS_CADRE_CONCERNS = 12
FOCUS_OFFICER_CONCERNS = 16

CHANNELS = [
    (Channel.HOTLINE, 26),
    (Channel.LIAISON_OFFICER, 20),
    (Channel.CONTACT_CARD, 16),
    (Channel.DUTY_VISIT, 16),
    (Channel.WEB, 12),
    (Channel.MAILBOX, 10),
]
KINDS = [(Kind.HELP, 40), (Kind.CONSULT, 25), (Kind.COMPLAINT, 20), (Kind.SUGGESTION, 15)]
CATEGORIES = [
    ("water", 16),
    ("roads", 15),
    ("housing", 12),
    ("social_assistance", 13),
    ("land", 8),
    ("medical", 8),
    ("education", 7),
    ("public_order", 5),
    ("agriculture", 10),
    ("other", 6),
]
# What households raise, by category (any kind fits most; the kind colours the wording).
DESCRIPTIONS: dict[str, list[str]] = {
    "water": [
        "{group}饮水管破裂，已经两天没有自来水，请尽快派人维修。",
        "{group}蓄水池漏水，旱季用水紧张，希望能修补水池。",
        "自来水浑浊发黄，担心水质有问题，想请人来检测一下。",
        "入户水管被修路挖断，至今没有接通。",
        "{group}海拔高，水压不够，早上经常放不出水。",
        "想咨询自来水入户改造的补助怎么申请。",
        "建议在{group}再建一个小水窖，解决牲畜饮水问题。",
    ],
    "roads": [
        "{group}村道塌方，车辆无法通行，孩子上学要绕很远的路。",
        "雨季山体滑坡把入组道路堵住了，请帮助清理。",
        "通组路路面坑洼严重，摩托车经常摔倒。",
        "{group}的便民桥桥面木板腐烂，走人很危险。",
        "建议在村道急弯处安装护栏和反光镜。",
        "产业路还没有硬化，茶叶运不出去，想了解能否纳入今年计划。",
        "村道边的排水沟堵塞，下雨就漫到路上。",
    ],
    "housing": [
        "家里房屋墙体开裂，雨季漏雨，申请危房改造。",
        "危房改造的补助款还没有到位，想问问进度。",
        "老房子的瓦片被大风掀掉，屋里漏雨，请求帮助。",
        "独居老人住的房子年久失修，存在安全隐患。",
        "想咨询农村住房安全鉴定怎么办理。",
        "建房审批手续办了两个月还没批下来。",
    ],
    "land": [
        "与邻居的承包地界线有争议，请村里帮助调解。",
        "林地被他人占用种植橡胶，要求处理。",
        "土地流转合同到期，租金迟迟没有支付。",
        "想咨询林权证变更需要哪些材料。",
        "修路占用了家里的耕地，补偿款还没有兑现。",
    ],
    "social_assistance": [
        "家中老人生病失去劳动能力，申请低保。",
        "低保申请递交一个多月了，想了解审核进度。",
        "残疾人两项补贴这个季度没有到账。",
        "家里突发火灾，申请临时救助。",
        "对{group}低保户评定结果有意见，认为不公平。",
        "想咨询特困人员供养的条件。",
        "孩子父母外出务工，留守儿童需要关心帮扶。",
    ],
    "medical": [
        "家人住院费用报销比例有疑问，想请人解释。",
        "村卫生室医生经常不在，看病不方便。",
        "慢性病卡办理需要哪些材料？",
        "医保缴费时间错过了，想问还能不能补缴。",
        "建议村卫生室增加常用药品。",
    ],
    "education": [
        "孩子转学手续办不下来，请帮助协调。",
        "想了解大学生生源地助学贷款怎么申请。",
        "{group}到学校的路远，希望解决孩子上学接送问题。",
        "家庭困难，孩子的营养餐补助没有享受到。",
        "学校围墙倒塌，存在安全隐患。",
    ],
    "public_order": [
        "邻里之间因为排水问题发生纠纷，请求调解。",
        "{group}晚上有人聚众喝酒吵闹，影响休息。",
        "家里的牛被盗，已报警，希望加快侦破。",
        "村口路灯坏了很久，晚上出行不安全。",
        "有人在河里电鱼，请有关部门制止。",
    ],
    "agriculture": [
        "茶叶价格下跌，希望帮助联系收购商。",
        "咖啡苗出现病害，请农技员上门指导。",
        "野猪糟蹋庄稼，损失严重，想了解赔偿政策。",
        "耕地地力保护补贴没有发放到户。",
        "想申请发展养殖的产业扶持资金。",
        "建议组织甘蔗种植技术培训。",
    ],
    "other": [
        "{group}的广播喇叭坏了，通知听不到。",
        "手机信号差，希望增加信号塔。",
        "建议在活动室增加图书和健身器材。",
        "垃圾收集点很久没有清运，气味很大。",
        "想咨询外出务工的职业技能培训。",
    ],
}
RESOLUTIONS: dict[str, list[str]] = {
    "water": [
        "已联系县水务局和村水管员更换破损管道，当天恢复供水。",
        "组织群众投工投劳修补蓄水池，已蓄水使用。",
        "已取水样送检，水质合格，并清洗了蓄水池。",
        "已向群众解释自来水入户改造政策并协助提交申请。",
    ],
    "roads": [
        "乡镇调派挖掘机清理塌方，道路已恢复通行。",
        "已对坑洼路段进行修补，剩余路段纳入明年通组路硬化计划。",
        "已更换便民桥桥面木板并设置警示标志。",
        "已疏通排水沟，安排护路员定期巡查。",
    ],
    "housing": [
        "已完成住房安全等级鉴定，纳入危房改造计划，补助资金已拨付。",
        "帮助修补屋顶瓦片，消除漏雨隐患。",
        "已协调住建部门加快审批，手续已办结。",
        "已向群众解释住房安全鉴定程序并上门鉴定。",
    ],
    "land": [
        "村调解委员会组织双方现场勘界，达成调解协议。",
        "已协调林业部门核实林权，占用方退还林地。",
        "已督促流转方支付拖欠租金。",
        "已告知林权变更所需材料并协助办理。",
    ],
    "social_assistance": [
        "经入户核查符合条件，已纳入低保，从下月起发放。",
        "已向民政部门核实，补贴已补发到账。",
        "已发放临时救助金，并协调亲友帮助重建。",
        "经民主评议和公示，向群众解释了评定结果。",
        "已将留守儿童纳入关爱名单，安排干部定期走访。",
    ],
    "medical": [
        "已请乡镇卫生院向群众解释报销政策，并补报了部分费用。",
        "已协调卫生院安排医生固定坐诊时间并公示。",
        "已协助准备材料办理慢性病卡。",
        "已帮助补缴医保，群众已正常享受待遇。",
    ],
    "education": [
        "已与学校协调，转学手续已办结。",
        "已指导学生办理生源地助学贷款。",
        "已协调学校核实，营养餐补助已落实。",
        "已设置警示带并安排维修围墙。",
    ],
    "public_order": [
        "派出所和村调解员上门调解，双方达成和解。",
        "已安排治安巡逻，情况已好转。",
        "已更换路灯，恢复照明。",
        "已联合执法制止电鱼行为并宣传相关规定。",
    ],
    "agriculture": [
        "已联系合作社按保护价收购。",
        "农技员已上门指导病害防治。",
        "已登记损失情况，按野生动物肇事补偿政策申报。",
        "已核实补贴发放名单，补发到户。",
        "已纳入产业扶持项目申报名单。",
    ],
    "other": [
        "已更换广播设备。",
        "已向通信公司反映，计划增设基站。",
        "已协调保洁员清运垃圾并固定清运时间。",
        "已告知培训报名方式。",
    ],
}
INFO_ASKED = [
    "请提供户口簿和身份证复印件。",
    "请补充房屋现状照片。",
    "请提供医院诊断证明。",
    "请说明具体位置，方便现场查看。",
    "请提供流转合同复印件。",
]
EXTEND_REASONS = [
    "需要等待县级部门现场鉴定",
    "工程量较大，需要申请专项资金",
    "雨季施工困难，需延后处理",
    "涉及多个部门，需要联合会商",
]
REFERRALS = [
    ("县人民法院", "属于民事诉讼事项，已告知群众依法起诉"),
    ("县信访局", "涉及历史遗留问题，按信访程序办理"),
    ("县公安局", "涉嫌违法犯罪，已移交公安机关"),
    ("县人力资源和社会保障局", "属于劳动争议，已告知向劳动仲裁机构申请"),
]
REJECTIONS = [
    "经核实，反映情况与事实不符，已向群众说明。",
    "诉求超出政策规定范围，已耐心解释。",
    "已按政策办结的事项，再次反映无新的事实和理由。",
]
CALLBACK_NOTES = {
    Feedback.SATISFIED: ["群众对处理结果满意。", "回访时群众表示感谢。", ""],
    Feedback.BASICALLY_SATISFIED: ["群众基本满意，希望后续跟进。", ""],
    Feedback.UNSATISFIED: ["群众认为问题没有彻底解决。", "群众对处理时间太长有意见。"],
    Feedback.UNREACHABLE: ["电话无人接听。", "电话关机，多次联系不上。"],
}
# Who may know: the county departments a category's concerns go to, now and then.
DEPARTMENTS = {
    "water": "县水务局",
    "social_assistance": "县民政局",
    "medical": "县卫生健康局",
    "education": "县教育体育局",
    "public_order": "县公安局",
    "agriculture": "县农业农村局",
    "land": "县林业和草原局",
    "housing": "县乡村振兴局",
}
REASSIGNED = ["涉及多个部门，由乡镇领导牵头协调。", "原责任干部外出学习，改由乡镇领导办理。"]
BOX_PLACES = ["村委会门口", "村活动室", "小卖部旁", "村小学门口"]


@dataclass
class ConcernsDemoSummary:
    concerns: int = 0
    events: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    reopened: int = 0
    boxes: int = 0
    openings: int = 0


def concerns_demo_loaded() -> bool:
    return Concern.objects.exists() or OpinionBox.objects.exists()


def _weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def _phone(rng: random.Random) -> str:
    return f"1390000{rng.randint(0, 9999):04d}"


@dataclass
class _Raise:
    """What was raised: the intake, before the life is played."""

    received_at: datetime.datetime
    channel: str
    kind: str
    category: Category
    area: Area
    household_id: int | None
    reporter_name: str
    reporter_phone: str
    description: str
    priority: str
    box_opening: BoxOpening | None = None
    department: Department | None = None
    pace: float | None = None  # how fast its people work (None: drawn)


@dataclass
class _Life:
    """A concern being played forward, and its events."""

    concern: Concern
    events: list[ConcernEvent] = field(default_factory=list)
    now: datetime.datetime = datetime.datetime.min
    repeats: "_Life | None" = None


class _Player:
    """Plays concerns forward with the rules of services.py, up to the demo day's first run
    of the escalation job."""

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.cal = Calendar.load()
        self.policy = ConcernPolicy.current()
        # People act until the end of the day before; the job's first run of the demo day
        # is the last thing that happens.
        self.people_until = self.at(today, 0, 0)
        self.job_until = self.at(today, 0, 30)

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def day(self, t: datetime.datetime) -> datetime.date:
        return timezone.localdate(t, self.tz)

    def office_time(self, t: datetime.datetime) -> datetime.datetime:
        """The first moment at or after `t` in office hours of a working day."""
        local = t.astimezone(self.tz)
        day = local.date()
        if local.hour >= 18:
            day += datetime.timedelta(days=1)
            local = self.at(day, 8, self.rng.randint(0, 59))
        elif local.hour < 8:
            local = self.at(day, 8, self.rng.randint(0, 59))
        if not self.cal.is_working_day(day):
            day = self.cal.add_working_days(day, 0)
            local = self.at(day, 8, self.rng.randint(0, 59))
        return local

    def after_working_days(self, t: datetime.datetime, days: float) -> datetime.datetime:
        """About `days` working days after `t`, in office hours."""
        whole = int(days)
        day = self.cal.add_working_days(self.day(t), whole) if whole else self.day(t)
        minutes = int((days - whole) * 9 * 60)
        moment = self.at(day, t.astimezone(self.tz).hour, t.astimezone(self.tz).minute)
        return self.office_time(moment + datetime.timedelta(minutes=minutes))

    # The escalation job -------------------------------------------------------------------

    def level_on(self, c: Concern, day: datetime.date) -> int:
        """The level the job (services.escalate_concerns) gives a concern on `day`."""
        if c.due <= self.cal.subtract_working_days(day, self.policy.county_after_days):
            return 3
        if c.reopen_count >= self.policy.county_after_reopens:
            return 3
        if c.due < day:
            return 2
        if c.due <= self.cal.add_working_days(day, 1):
            return 1
        return 0

    def job_until_(self, life: _Life, until: datetime.datetime) -> None:
        """Run the escalation job's rounds between life.now and `until`."""
        c = life.concern
        if c.state in ESCALATING:
            while c.escalation_level < 3:
                start = self.day(life.now)
                first = max(start, c.due - datetime.timedelta(days=14))
                day, level = first, 0
                while day <= self.today:
                    level = self.level_on(c, day)
                    if level > c.escalation_level:
                        break
                    day += datetime.timedelta(days=1)
                if level <= c.escalation_level or day > self.today:
                    break
                moment = max(self.at(day, 0, 0), life.now) + datetime.timedelta(
                    minutes=self.rng.randint(5, 14)
                )
                if moment >= until:
                    break
                self._escalate(life, level, moment)
        elif c.state == State.RESOLVED and c.callback_due is not None:
            anonymous = c.household_id is None and not c.reporter_phone
            if c.feedback == Feedback.UNREACHABLE or anonymous:
                day = max(self.day(life.now), c.callback_due + datetime.timedelta(days=1))
                moment = max(self.at(day, 0, 0), life.now) + datetime.timedelta(
                    minutes=self.rng.randint(5, 14)
                )
                if moment < until and day <= self.today:
                    c.state = State.CLOSED
                    c.closed_at = moment
                    note = (
                        _("Closed after the call-back window: the household could not be reached.")
                        if c.feedback == Feedback.UNREACHABLE
                        else _("Closed after the call-back window: nobody to call back.")
                    )
                    self.event(life, moment, "close", State.RESOLVED, State.CLOSED, note)

    def _escalate(self, life: _Life, level: int, moment: datetime.datetime) -> None:
        c = life.concern
        c.escalation_level = level
        c.escalated_at = moment
        notes = {
            1: _("Reminder: due %(due)s."),
            2: _("Overdue since %(due)s: on the township leader's list."),
            3: _("On the county supervision list (due %(due)s, reopened %(reopened)d times)."),
        }
        note = notes[level] % {"due": c.due.isoformat(), "reopened": c.reopen_count}
        self.event(life, moment, "escalate", c.state, c.state, note)

    # People --------------------------------------------------------------------------------

    def event(
        self,
        life: _Life,
        at: datetime.datetime,
        action: str,
        from_state: str,
        to_state: str,
        note: str = "",
    ) -> None:
        life.events.append(
            ConcernEvent(
                concern=life.concern,
                at=at,
                action=action,
                from_state=from_state,
                to_state=to_state,
                note=note[:2000],
            )
        )
        life.now = at

    def act(self, life: _Life, at: datetime.datetime) -> bool:
        """Let the job run until `at`; return whether people may still act at `at`."""
        if at >= self.people_until:
            return False
        self.job_until_(life, at)
        return True

    def move(self, life: _Life, at: datetime.datetime, action: str, to: str, note: str) -> None:
        from_state = life.concern.state
        life.concern.state = to
        self.event(life, at, action, from_state, to, note)


class _Router:
    """services.route's rules over rows read once: the household's paired cadre, else the
    leader of the zone covering the group, the village or the township, else nobody.

    Asking services.route for each of three thousand concerns costs seconds (a few queries
    each); tests/concerns/test_demo.py checks that this router answers as it does.
    """

    def __init__(self) -> None:
        # (start, pk, end, cadre) of the pairings and leaderships of cadres in service.
        Rows = dict[int, list[tuple[datetime.date, int, datetime.date | None, Cadre]]]
        cadres = Cadre.objects.filter(left_date__isnull=True).in_bulk()
        self.pairings: Rows = {}
        for hid, start, end, pk, cadre_id in Pairing.objects.filter(
            cadre__left_date__isnull=True
        ).values_list("household_id", "start_date", "end_date", "pk", "cadre_id"):
            self.pairings.setdefault(hid, []).append((start, pk, end, cadres[cadre_id]))
        self.leaders: Rows = {}
        for area_id, start, end, pk, cadre_id in ZoneLeadership.objects.filter(
            cadre__left_date__isnull=True
        ).values_list("zone__zone_areas__area_id", "start_date", "end_date", "pk", "cadre_id"):
            if area_id is not None:
                self.leaders.setdefault(area_id, []).append((start, pk, end, cadres[cadre_id]))
        self.areas = {
            a.pk: a
            for a in Area.objects.filter(
                level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE, AreaLevel.GROUP]
            ).only("pk", "parent_id", "level", "name")
        }

    def route(self, *, area: Area, household_id: int | None, day: datetime.date) -> Route:
        if household_id is not None:
            paired = _in_force(self.pairings.get(household_id, []), day)
            if paired is not None:
                return Route(paired, str(gettext_lazy("the household's paired cadre")))
        place: Area | None = self.areas[area.pk]
        while place is not None:
            leader = _in_force(self.leaders.get(place.pk, []), day)
            if leader is not None:
                return Route(
                    leader, _("the leader of the zone covering %(place)s") % {"place": place.name}
                )
            place = self.areas.get(place.parent_id or 0)
        return Route(None, _("no cadre found: the township's queue"))


def _in_force(
    rows: list[tuple[datetime.date, int, datetime.date | None, Cadre]], day: datetime.date
) -> Cadre | None:
    """The cadre of the earliest row (by start, then id) in force on `day`."""
    rows = sorted(
        (r for r in rows if r[0] <= day and (r[2] is None or r[2] > day)), key=lambda r: r[:2]
    )
    return rows[0][3] if rows else None


def _raises(
    rng: random.Random, player: _Player, today: datetime.date, summary: ConcernsDemoSummary
) -> list[_Raise]:
    """What the households raised over the six months, oldest first."""
    categories = {c.code: c for c in Category.objects.all()}
    departments = {
        d.name: d for d in Department.objects.filter(area__code=COUNTY_CODE, level="county")
    }
    groups = {a.pk: a for a in Area.objects.filter(level=AreaLevel.GROUP)}
    villages = {a.pk: a for a in Area.objects.filter(level=AreaLevel.VILLAGE)}
    township_codes = dict(Area.objects.filter(level=AreaLevel.TOWNSHIP).values_list("pk", "code"))
    households = list(
        Household.objects.filter(status=HouseholdStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "group_id", "village_id", "township_id", "head_name", "phone")
    )
    by_pk = {h[0]: h for h in households}
    first_day = today - datetime.timedelta(days=DAYS)

    def when(lo: int = 1, hi: int = DAYS) -> datetime.datetime:
        # More recent weeks are a little busier (the channels became known).
        back = lo + int((hi - lo) * rng.random() ** 1.15)
        day = today - datetime.timedelta(days=back)
        hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17, 19, 20])
        return player.at(day, hour, rng.randint(0, 59))

    def describe(category: str, area: Area) -> str:
        group = area.name if area.level == AreaLevel.GROUP else f"{area.name}的一个组"
        return rng.choice(DESCRIPTIONS[category]).format(group=group)

    def one(
        channel: str, household: tuple | None, area: Area, received_at: datetime.datetime
    ) -> _Raise:
        category = _weighted(rng, CATEGORIES)
        kind = _weighted(rng, KINDS)
        urgent = category in ("water", "housing", "roads", "public_order") and rng.random() < 0.1
        if household is not None:
            name, phone = household[4], household[5] or _phone(rng)
        elif channel in (Channel.MAILBOX, Channel.WEB) and rng.random() < 0.4:
            name, phone = "", ""  # anonymous
        else:
            name, phone = _person_name(rng, township_codes[_township_id(area)]), _phone(rng)
        department = None
        if category in DEPARTMENTS and rng.random() < 0.35:
            department = departments.get(DEPARTMENTS[category])
        return _Raise(
            received_at=received_at,
            channel=channel,
            kind=kind,
            category=categories[category],
            area=area,
            household_id=household[0] if household else None,
            reporter_name=name,
            reporter_phone=phone,
            description=describe(category, area),
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            department=department,
        )

    def _township_id(area: Area) -> int:
        village = area if area.level == AreaLevel.VILLAGE else villages[area.parent_id or 0]
        return village.parent_id or 0

    raised: list[_Raise] = []
    for _i in range(CONCERNS):
        channel = _weighted(rng, CHANNELS)
        received_at = when()
        if channel in (Channel.MAILBOX, Channel.WEB) or rng.random() < 0.2:
            # Someone who is not (or does not say they are) one of the registered households.
            h = rng.choice(households)
            area = groups[h[1]] if rng.random() < 0.7 else villages[h[2]]
            raised.append(one(channel, None, area, received_at))
        else:
            h = rng.choice(households)
            raised.append(one(channel, h, groups[h[1]], received_at))

    # The demo cadre account's households raise a few things in the last two weeks, and the
    # demo liaison officer passes on what the village raised this month.
    focus = Area.objects.get(code=FOCUS_VILLAGE)
    focus_cadre = Cadre.objects.filter(area=focus, user__isnull=True).order_by("name", "pk").first()
    if focus_cadre is not None:
        own = list(
            Pairing.objects.active(today - datetime.timedelta(days=20))
            .filter(cadre=focus_cadre)
            .order_by("household_id")
            .values_list("household_id", flat=True)
        )
        # The demo cadre's inbox: things to work on, one of them late.
        for i, hid in enumerate(rng.choices(own, k=FOCUS_CADRE_CONCERNS) if own else []):
            h = by_pk[hid]
            channel = rng.choice([Channel.CONTACT_CARD, Channel.HOTLINE, Channel.DUTY_VISIT])
            recent = one(channel, h, groups[h[1]], when(1, 6) if i else when(9, 12))
            recent.pace = 0.99 if i == 0 else 0.9 if i % 3 else 0.5
            if i == 0:  # a request for help (three working days) that stalls: overdue
                recent.kind, recent.priority = Kind.HELP, Priority.NORMAL
            raised.append(recent)
    in_focus = [h for h in households if h[2] == focus.pk]
    for _i in range(FOCUS_OFFICER_CONCERNS):
        h = rng.choice(in_focus)
        area = groups[h[1]]
        household = h if rng.random() < 0.8 else None
        raised.append(one(Channel.LIAISON_OFFICER, household, area, when(1, 30)))

    # Opinion boxes: two or three villages of each township, opened about monthly (one box
    # left unopened for too long); the slips become anonymous concerns, some signed.
    boxes: list[OpinionBox] = []
    for township_pk in sorted(township_codes):
        vs = sorted((v for v in villages.values() if v.parent_id == township_pk), key=_code)
        for v in vs[: 2 + (township_pk % 2)]:
            boxes.append(
                OpinionBox(
                    area=v,
                    location=rng.choice(BOX_PLACES),
                    keyholder=_person_name(rng, township_codes[township_pk]),
                    keyholder_phone=_phone(rng),
                )
            )
    OpinionBox.objects.bulk_create(boxes)
    summary.boxes = len(boxes)
    openings: list[tuple[BoxOpening, int]] = []
    for i, box in enumerate(boxes):
        day = first_day + datetime.timedelta(days=rng.randint(3, 20))
        last_gap = 50 if i == 0 else 30
        while day < today:
            slips = rng.choice([0, 1, 1, 2, 2, 3, 4, 5])
            opening = BoxOpening(
                box=box,
                opened_on=day,
                opened_by=box.keyholder,
                slips=slips,
                note="" if slips else "意见箱内无信件",
            )
            openings.append((opening, slips))
            gap = rng.randint(24, 31)
            if day + datetime.timedelta(days=gap + last_gap - 30) >= today:
                break
            day += datetime.timedelta(days=gap)
    BoxOpening.objects.bulk_create([o for o, _n in openings])
    summary.openings = len(openings)
    # Registered before the first opening; each opening recorded the evening it was made.
    for box in boxes:
        box.created_at = player.at(first_day, 10)
    OpinionBox.objects.bulk_update(boxes, ["created_at"])
    for opening, _n in openings:
        opening.created_at = player.at(opening.opened_on, 18, rng.randint(0, 59))
    BoxOpening.objects.bulk_update([o for o, _n in openings], ["created_at"])
    group_list = list(groups.values())
    for opening, slips in openings:
        box_area = opening.box.area
        for _i in range(slips):
            received_at = player.at(opening.opened_on, rng.randint(9, 16), rng.randint(0, 59))
            if received_at >= player.people_until:
                continue
            in_village = [g for g in group_list if g.parent_id == box_area.pk]
            area = rng.choice(in_village) if in_village and rng.random() < 0.5 else box_area
            slip = one(Channel.OPINION_BOX, None, area, received_at)
            if rng.random() < 0.7:
                slip.reporter_name, slip.reporter_phone = "", ""  # unsigned
            slip.box_opening = opening
            raised.append(slip)
    raised.sort(key=lambda r: r.received_at)
    return raised


def _code(area: Area) -> str:
    return area.code


@transaction.atomic
def load_concerns_demo(today: datetime.date) -> ConcernsDemoSummary:
    """Create the demo county's concerns, opinion boxes and their openings (needs the
    districts and liaison demos loaded)."""
    rng = random.Random(SEED)
    # The receipts' lookup codes from a generator of their own: the rest stays as it was.
    codes = random.Random(SEED + 1)
    summary = ConcernsDemoSummary()
    player = _Player(rng, today)
    raised = _raises(rng, player, today, summary)
    county = Area.objects.get(code=COUNTY_CODE)
    chains = {
        a.pk: a
        for a in Area.objects.filter(level__in=[AreaLevel.VILLAGE, AreaLevel.TOWNSHIP]).only(
            "pk", "parent_id", "level", "name"
        )
    }
    township_leaders: dict[int, list[Cadre]] = {}
    for cadre in Cadre.objects.filter(
        rank__in=[Rank.TOWNSHIP_LEADER, Rank.DEPARTMENT_HEAD], area__level=AreaLevel.TOWNSHIP
    ).order_by("pk"):
        township_leaders.setdefault(cadre.area_id, []).append(cadre)
    router = _Router()

    lives: list[_Life] = []
    numbers: dict[int, int] = {}
    previous: dict[tuple[int, int], _Life] = {}  # (village, category): the last raised there
    for r in raised:
        village = r.area if r.area.level == AreaLevel.VILLAGE else chains[r.area.parent_id or 0]
        township = chains[village.parent_id or 0]
        received_day = player.day(r.received_at)
        deadlines = deadlines_for(
            kind=r.kind,
            category=r.category,
            priority=r.priority,
            received=received_day,
            policy=player.policy,
            calendar=player.cal,
        )
        routed = router.route(area=r.area, household_id=r.household_id, day=received_day)
        concern = Concern(
            tracking_number="",  # handed out below, in the order of entry
            lookup_code="".join(codes.choice(LOOKUP_ALPHABET) for _ in range(8)),
            channel=r.channel,
            kind=r.kind,
            category=r.category,
            priority=r.priority,
            area=r.area,
            township=township,
            village=village,
            household_id=r.household_id,
            reporter_name=r.reporter_name,
            reporter_phone=r.reporter_phone,
            department=r.department,
            description=r.description,
            received_at=r.received_at,
            state=State.ASSIGNED if routed.owner is not None else State.RECEIVED,
            owner=routed.owner,
            deadline_days=deadlines.days,
            ack_due=deadlines.ack_due,
            due=deadlines.due,
            box_opening=r.box_opening,
        )
        delay = (
            rng.randint(60, 60 * 30)
            if r.channel in (Channel.MAILBOX, Channel.OPINION_BOX)
            else rng.randint(2, 40)
        )
        life = _Life(concern=concern, now=r.received_at)
        entered = min(
            r.received_at + datetime.timedelta(minutes=delay),
            player.people_until - datetime.timedelta(minutes=rng.randint(5, 120)),
        )
        text = _("Routed to %(owner)s (%(reason)s).") % {
            "owner": routed.owner.name if routed.owner else _("the township's queue"),
            "reason": routed.reason,
        }
        player.event(
            life,
            max(entered, r.received_at),
            "create",
            "",
            concern.state,
            text,
        )
        key = (village.pk, r.category.pk)
        _play(player, life, township_leaders.get(township.pk, []), previous.get(key), r.pace)
        previous[key] = life
        lives.append(life)

    # Tracking numbers as concern_create hands them out: per county and year of entry.
    lives.sort(key=lambda life: life.events[0].at)
    for life in lives:
        year = player.day(life.events[0].at).year
        numbers[year] = numbers.get(year, 0) + 1
        life.concern.tracking_number = f"{county.code}-{year}-{numbers[year]:06d}"
    for life in lives:
        if life.repeats is not None:
            repeat = next(e for e in life.events if e.action == "duplicate")
            repeat.note = _("Repeats %(number)s.") % {
                "number": life.repeats.concern.tracking_number
            }

    Concern.objects.bulk_create([life.concern for life in lives], batch_size=1000)
    repeats = [life for life in lives if life.repeats is not None]
    for life in repeats:
        life.concern.duplicate_of = life.repeats.concern  # type: ignore[union-attr]
    Concern.objects.bulk_update([life.concern for life in repeats], ["duplicate_of"])
    events = [e for life in lives for e in life.events]
    for e in events:
        e.concern_id = e.concern.pk
    ConcernEvent.objects.bulk_create(events, batch_size=2000)
    # When each row was entered and last changed: its first and its last event.
    first = ConcernEvent.objects.filter(concern=OuterRef("pk")).order_by().values("concern")
    Concern.objects.update(
        created_at=Subquery(first.annotate(m=Min("at")).values("m")),
        updated_at=Subquery(first.annotate(m=Max("at")).values("m")),
    )
    for year, last in numbers.items():
        TrackingSequence.objects.update_or_create(
            prefix=f"{county.code}-{year}", defaults={"last": last}
        )
    for life in lives:
        c = life.concern
        summary.open += c.is_open
        summary.overdue += c.is_open and c.due < today
        summary.escalated += c.escalation_level > 0 and c.is_open
        summary.reopened += c.reopen_count > 0
    summary.concerns = len(lives)
    summary.events = len(events)
    return summary


def _play(
    player: _Player,
    life: _Life,
    leaders: list[Cadre],
    earlier: _Life | None,
    pace: float | None = None,
) -> None:
    """Play one concern's life forward, step by step, as services.py would have moved it."""
    rng = player.rng
    c = life.concern
    # How this concern's people work: most on time, some late, a few very late, some stall.
    pace = rng.random() if pace is None else pace
    speed = 0.25 if pace < 0.66 else 1.0 if pace < 0.86 else 2.2 if pace < 0.94 else 6.0
    cal, policy = player.cal, player.policy

    # The township ends a few at once: a repeat, something for another body, unfounded.
    fate = rng.random()
    if fate < 0.11:
        at = player.after_working_days(life.now, rng.uniform(0.1, 1.5))
        if not player.act(life, at):
            player.job_until_(life, player.job_until)
            return
        c.closed_at = at
        if fate < 0.05 and earlier is not None and earlier.events[0].at < at:
            # The link and the note's number are written once both have them (below).
            life.repeats = earlier
            player.move(life, at, "duplicate", State.DUPLICATE, "")
            return
        if fate < 0.08:
            to, reason = rng.choice(REFERRALS)
            c.referred_to = to
            note = _("Referred to %(to)s: %(reason)s") % {"to": to, "reason": reason}
            player.move(life, at, "refer", State.REFERRED, note)
            return
        player.move(life, at, "reject", State.REJECTED, rng.choice(REJECTIONS))
        return

    # The township's queue: a leader of the township takes it.
    if c.state == State.RECEIVED:
        at = player.after_working_days(life.now, rng.uniform(0.2, 2.5) * max(speed, 0.5))
        if not leaders or not player.act(life, at):
            player.job_until_(life, player.job_until)
            return
        c.owner = rng.choice(leaders)
        c.accepted_at = None
        c.ack_due = cal.add_working_days(player.day(at), policy.ack_days)
        note = _("Assigned to %(cadre)s.") % {"cadre": c.owner.name}
        player.move(life, at, "assign", State.ASSIGNED, note)

    # Now and then the township gives it to one of its leaders instead (several
    # departments to bring together, or the owner is away).
    elif leaders and rng.random() < 0.05:
        at = player.after_working_days(life.now, rng.uniform(0.1, 1.0))
        if not player.act(life, at):
            player.job_until_(life, player.job_until)
            return
        previous, c.owner = c.owner, rng.choice(leaders)
        c.accepted_at = None
        c.ack_due = cal.add_working_days(player.day(at), policy.ack_days)
        note = _("Reassigned from %(old)s to %(cadre)s.") % {
            "old": previous.name if previous else "",
            "cadre": c.owner.name,
        }
        player.move(life, at, "assign", State.ASSIGNED, f"{note} {rng.choice(REASSIGNED)}")

    # Accepted.
    at = player.after_working_days(life.now, rng.uniform(0.05, 0.8) * speed * 1.5)
    if not player.act(life, at):
        player.job_until_(life, player.job_until)
        return
    c.accepted_at = at
    player.move(life, at, "accept", State.IN_PROGRESS, "")

    for _round in range(3):
        # Worked: maybe waiting for information, maybe extended once, then resolved.
        if rng.random() < 0.1:
            at = player.after_working_days(life.now, rng.uniform(0.2, 1.5))
            if not player.act(life, at):
                break
            c.paused_on = player.day(at)
            player.move(life, at, "request-info", State.AWAITING_INFO, rng.choice(INFO_ASKED))
            at = player.after_working_days(life.now, rng.uniform(1, 6))
            if not player.act(life, at):
                break
            waited = cal.working_days_between(c.paused_on, player.day(at))
            note = "补充材料已收到。"
            if waited:
                c.due = cal.add_working_days(c.due, waited)
                c.escalation_level = 0
                moved = _("The clock waited %(days)d working days: now due %(due)s.") % {
                    "days": waited,
                    "due": c.due.isoformat(),
                }
                note = f"{note} {moved}"
            c.paused_on = None
            player.move(life, at, "resume", State.IN_PROGRESS, note)
        days = max(c.deadline_days, 1)
        if c.kind in (Kind.COMPLAINT, Kind.SUGGESTION) and not c.extended and rng.random() < 0.08:
            at = player.after_working_days(life.now, rng.uniform(0.5, days * 0.7))
            if not player.act(life, at):
                break
            if player.day(at) <= c.due:
                c.due = cal.add_working_days(c.due, days)
                c.extended = True
                c.escalation_level = 0
                note = _("%(reason)s (now due %(due)s)") % {
                    "reason": rng.choice(EXTEND_REASONS),
                    "due": c.due.isoformat(),
                }
                player.event(life, at, "extend", c.state, c.state, note)
        # Resolved: when depends on the pace and on the working days left to the due date.
        if c.deadline_days == 0:
            work = rng.uniform(0.05, 0.6) * speed * 2
        else:
            work = max(0.1, c.deadline_days * rng.uniform(0.15, 0.9) * speed)
        at = player.after_working_days(life.now, work)
        if not player.act(life, at):
            break
        c.resolved_at = at
        c.days_to_resolve = days_to_resolve(c.received_at, at, cal)
        c.resolution = rng.choice(RESOLUTIONS[c.category.code])
        c.callback_due = cal.add_working_days(player.day(at), policy.callback_days)
        c.feedback, c.feedback_at = "", None
        player.move(life, at, "resolve", State.RESOLVED, c.resolution)

        # The call-back, by the owner or the hotline (nobody to call for anonymous slips).
        if c.household_id is None and not c.reporter_phone:
            break
        at = player.after_working_days(life.now, rng.uniform(0.3, 3.4))
        if not player.act(life, at):
            break
        roll = rng.random()
        if roll < (0.07, 0.2, 0.0)[min(c.reopen_count, 2)]:
            result = Feedback.UNSATISFIED
        elif roll < 0.13:
            result = Feedback.UNREACHABLE
        elif roll < 0.33:
            result = Feedback.BASICALLY_SATISFIED
        else:
            result = Feedback.SATISFIED
        c.feedback, c.feedback_at = result, at
        text = " ".join(
            filter(None, [str(Feedback(result).label), rng.choice(CALLBACK_NOTES[result])])
        )
        if result in (Feedback.SATISFIED, Feedback.BASICALLY_SATISFIED):
            c.closed_at = at
            player.move(life, at, "feedback", State.CLOSED, text)
            break
        if result == Feedback.UNREACHABLE:
            player.event(life, at, "feedback", c.state, c.state, text)
            break
        c.reopen_count += 1
        c.due = cal.add_working_days(player.day(at), max(c.deadline_days, 1))
        c.resolved_at = None
        c.days_to_resolve = None
        c.callback_due = None
        c.escalation_level = 3 if c.reopen_count >= policy.county_after_reopens else 0
        c.escalated_at = at if c.escalation_level else None
        player.move(life, at, "feedback", State.IN_PROGRESS, text)
    player.job_until_(life, player.job_until)


def attach_demo_accounts(
    *, officer: Any, hotline: Any, today: datetime.date, cadre: Any = None
) -> int:
    """Give the demo liaison officer and hotline operator what they entered (the concerns of
    their channels), the officer their daily reports, and the demo cadre account a message
    about each concern it must still act on; return the reports created.

    Idempotent: runs only where nothing is attached yet.
    """
    village = Area.objects.filter(code=FOCUS_VILLAGE).first()
    if village is None:  # accounts without the demo county (the tests of accounts)
        return 0
    Concern.objects.filter(
        channel=Channel.LIAISON_OFFICER, village=village, created_by__isnull=True
    ).update(created_by=officer)
    Concern.objects.filter(channel=Channel.HOTLINE, created_by__isnull=True).update(
        created_by=hotline
    )
    if cadre is not None and not Notification.objects.filter(user=cadre).exists():
        mine = Concern.objects.filter(owner__user=cadre, state__in=OPEN_STATES).order_by("pk")
        Notification.objects.bulk_create(
            Notification(
                user=cadre,
                concern=c,
                kind=(
                    Notification.Kind.ESCALATED
                    if c.escalation_level >= 2
                    else Notification.Kind.DUE_TOMORROW
                    if c.escalation_level == 1
                    else Notification.Kind.ASSIGNED
                ),
                level=c.escalation_level,
            )
            for c in mine
        )
    if OfficerReport.objects.filter(officer=officer).exists():
        return 0
    rng = random.Random(SEED + 1)
    cal = Calendar.load()
    tz = timezone.get_current_timezone()
    by_day: dict[datetime.date, int] = {}
    for received in Concern.objects.filter(
        channel=Channel.LIAISON_OFFICER, village=village
    ).values_list("received_at", flat=True):
        d = timezone.localdate(received)
        by_day[d] = by_day.get(d, 0) + 1
    reports = []
    day = today - datetime.timedelta(days=30)
    while day < today:
        if cal.is_working_day(day) and (by_day.get(day) or rng.random() < 0.85):
            n = by_day.get(day, 0)
            reports.append(
                OfficerReport(
                    officer=officer,
                    village=village,
                    date=day,
                    zero=n == 0,
                    note=f"今日报送民情{n}件。" if n else "今日走访群众，无新的民情反映。",
                    created_at=datetime.datetime.combine(
                        day, datetime.time(20, rng.randint(0, 59)), tzinfo=tz
                    ),
                )
            )
        day += datetime.timedelta(days=1)
    OfficerReport.objects.bulk_create(reports)
    # (created_at is set when a row is added: written again as the evening of its day.)
    OfficerReport.objects.bulk_update(reports, ["created_at"])
    return len(reports)
