"""Imports of the people: departments, cadres and pairings from CSV or XLSX files.

The same rules as the imports of areas and households (`districts.imports`, whose reading
machinery this module uses): every row is checked first and a file with any bad row writes
nothing; errors name the row and the column as the file does; Chinese headers, a second
(code) header row and Chinese names of choices are accepted; a second import of the same
file changes nothing. Targets outside the actor's jurisdiction read as missing.

- Departments are known by their name and the code of their county or township.
- Cadres are known by their staff code (工号) or, without one, their phone.
- Pairings name a household by its code and its cadre by phone or staff code; they follow
  the rules of `services.pairings_bulk_assign`, written set-based: one insert per batch with
  its history, one coverage recompute after commit.
"""

import datetime
from collections.abc import Iterable
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from districts.access import Actor, Scope, require, scope_for, user_of
from districts.imports import (
    BATCH,
    SYNONYMS,
    ImportColumn,
    ImportResult,
    Layout,
    Progress,
    RowError,
    allowed_names,
    choice_code,
    data_rows,
    errors_as_in_file,
    name_key,
    parse_date,
    phone_cell,
    read_layout,
    read_rows,
    unstorable_cells,
)
from districts.models import Area, AreaLevel, Household, HouseholdStatus
from districts.validators import normalize_phone
from liaison.common.dates import date_error
from liaison.common.db import chunks

from . import access as _access  # noqa: F401  (registers the core's actions and targets)
from .jobs import coverage_recompute_later
from .models import Cadre, Department, DepartmentKind, Pairing, Rank
from .services import _history_bulk

DEPARTMENT_SPEC = (
    ImportColumn("name", "部门名称", ("名称", "部门", "单位名称", "单位"), required=True),
    ImportColumn(
        "area_code",
        "所属区划代码",
        ("区划代码", "所属区划编码", "区划编码", "县乡代码"),
        required=True,
    ),
    ImportColumn("kind", "部门类别", ("类别", "类型", "五挂五联类别"), required=True),
)
CADRE_SPEC = (
    ImportColumn("name", "姓名", ("干部姓名",), required=True),
    ImportColumn("gender", "性别", (), required=True),
    ImportColumn("department", "所在部门", ("部门", "部门名称", "单位", "工作单位"), required=True),
    ImportColumn("department_area_code", "部门区划代码", ("部门所属区划代码", "部门区划编码")),
    ImportColumn("rank", "职级", ("级别", "职务级别"), required=True),
    ImportColumn("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式")),
    ImportColumn("area_code", "服务区划代码", ("区划代码", "服务区域代码", "所在区划代码")),
    ImportColumn("staff_code", "工号", ("干部编号", "人员编号", "编号")),
)
PAIRING_SPEC = (
    ImportColumn(
        "household_code", "户编码", ("户编号", "户号", "农户编码", "农户编号"), required=True
    ),
    ImportColumn("cadre_phone", "干部电话", ("干部手机", "干部联系电话", "结对干部电话")),
    ImportColumn("cadre_staff_code", "干部工号", ("干部编号", "结对干部工号")),
    ImportColumn("cadre_name", "干部姓名", ("结对干部", "帮扶干部", "结对干部姓名")),
    ImportColumn("start_date", "开始日期", ("结对日期", "起始日期", "结对开始日期")),
    ImportColumn("replace", "替换", ("是否替换", "更换")),
)
DEPARTMENT_COLUMNS = tuple(c.code for c in DEPARTMENT_SPEC)
CADRE_COLUMNS = tuple(c.code for c in CADRE_SPEC)
PAIRING_COLUMNS = tuple(c.code for c in PAIRING_SPEC)

DEPARTMENT_SAMPLES = [
    ["县委组织部", "530827", "党政机关"],
    ["勐马镇党政办公室", "530827101", "党政机关"],
]
CADRE_SAMPLES = [
    ["刘丽芬", "女", "县委组织部", "530827", "一般干部", "13900001234", "", ""],
    [
        "岩温",
        "男",
        "勐马镇党政办公室",
        "530827101",
        "村干部",
        "13900005678",
        "530827101001",
        "G0002",
    ],
]
PAIRING_SAMPLES = [
    ["530827101001001001", "13900001234", "", "刘丽芬", "2026-03-01", ""],
    ["530827101001001002", "", "G0002", "岩温", "", "是"],
]

# Other names people write for the core's choices, besides their labels (see
# districts.imports.SYNONYMS; read once, at the first lookup of each kind of choice).
SYNONYMS.update(
    {
        Cadre.Gender: {"男性": Cadre.Gender.MALE, "女性": Cadre.Gender.FEMALE},
        Rank: {
            "县级领导": Rank.COUNTY_LEADER,
            "县领导": Rank.COUNTY_LEADER,
            "部门负责人": Rank.DEPARTMENT_HEAD,
            "部门领导": Rank.DEPARTMENT_HEAD,
            "乡镇领导": Rank.TOWNSHIP_LEADER,
            "科级": Rank.SECTION,
            "科级干部": Rank.SECTION,
            "一般干部": Rank.ORDINARY,
            "普通干部": Rank.ORDINARY,
            "村干部": Rank.VILLAGE_CADRE,
            "乡村振兴指导员": Rank.INSTRUCTOR,
            "指导员": Rank.INSTRUCTOR,
            "大学生村官": Rank.GRADUATE_OFFICIAL,
        },
        DepartmentKind: {
            "党政机关": DepartmentKind.PARTY_GOV,
            "党政": DepartmentKind.PARTY_GOV,
            "政法": DepartmentKind.POLITICAL_LEGAL,
            "政法部门": DepartmentKind.POLITICAL_LEGAL,
            "经济": DepartmentKind.ECONOMIC,
            "经济部门": DepartmentKind.ECONOMIC,
            "教育文化": DepartmentKind.EDUCATION_CULTURE,
            "文教": DepartmentKind.EDUCATION_CULTURE,
            "农业科技": DepartmentKind.AGRI_SCIENCE,
            "农科": DepartmentKind.AGRI_SCIENCE,
            "其他": DepartmentKind.OTHER,
        },
    }
)

YES = frozenset(name_key(w) for w in ("是", "yes", "y", "true", "1", "√", "✓", "替换", "Y"))
NO = frozenset(name_key(w) for w in ("否", "no", "n", "false", "0", "不替换", ""))


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def _start(
    fileobj: IO[bytes], name: str, spec: tuple[ImportColumn, ...], by: Actor
) -> tuple[Layout, list[list[str]]]:
    require(by, "import")
    header, rows = read_rows(fileobj, name)
    return read_layout(header, rows, spec), rows


def _required(row: int, rec: dict[str, str], spec: tuple[ImportColumn, ...]) -> list[RowError]:
    return [
        RowError(row, c.code, _("This column is required."))
        for c in spec
        if c.required and not rec.get(c.code)
    ]


def _areas(codes: Iterable[str]) -> dict[str, Area]:
    return {
        a.code: a
        for chunk in chunks(sorted(set(codes) - {""}), 900)
        for a in Area.objects.filter(code__in=chunk)
    }


def _choice(
    row: int, column: str, text: str, choices: Any, message: str, errors: list[RowError]
) -> str:
    code = choice_code(choices, text) if text else None
    if text and code is None:
        errors.append(
            RowError(row, column, message % {"value": text, "allowed": allowed_names(choices)})
        )
    return code or ""


def _failed(result: ImportResult, layout: Layout) -> ImportResult:
    errors_as_in_file(result.errors, layout)
    return result


# Departments -----------------------------------------------------------------------------


def import_departments(
    fileobj: IO[bytes], name: str, *, by: Actor, progress: Progress = _no_progress
) -> ImportResult:
    """Validate and import a departments file (name, area_code, kind).

    A department is known by its name and its county's or township's code: a second import
    updates its kind. Nothing is written if any row is wrong. Raise ImportFileError if the
    file is unreadable, PermissionDenied if the actor's role may not import.
    """
    layout, rows = _start(fileobj, name, DEPARTMENT_SPEC, by)
    result = ImportResult()
    errors = result.errors
    progress("validating", 0, len(rows))
    records = list(data_rows(layout, rows))
    areas = _areas(rec.get("area_code", "") for _row, rec in records)
    scope = scope_for(by)
    parsed: dict[tuple[int, str], dict[str, Any]] = {}
    for row, rec in records:
        result.rows_total += 1
        unstorable = unstorable_cells(row, rec)
        if unstorable:
            errors.extend(unstorable)
            continue
        before = len(errors)
        errors.extend(_required(row, rec, DEPARTMENT_SPEC))
        dept_name = rec["name"]
        if len(dept_name) > 100:
            errors.append(RowError(row, "name", _("A name has at most 100 characters.")))
        area = _area_in_scope(row, rec["area_code"], areas, scope, errors)
        if area is not None and area.level not in (AreaLevel.COUNTY, AreaLevel.TOWNSHIP):
            errors.append(
                RowError(
                    row,
                    "area_code",
                    _("A department belongs to a county or a township, not a %(level)s.")
                    % {"level": area.get_level_display()},
                )
            )
        kind = _choice(
            row,
            "kind",
            rec["kind"],
            DepartmentKind,
            _("Unknown kind %(value)s. Allowed: %(allowed)s."),
            errors,
        )
        if len(errors) > before or area is None:
            continue
        key = (area.pk, dept_name)
        if key in parsed:
            errors.append(
                RowError(
                    row,
                    "name",
                    _("Department %(name)s of %(area)s appears twice (first on row %(first)d).")
                    % {"name": dept_name, "area": area.code, "first": parsed[key]["row"]},
                )
            )
            continue
        parsed[key] = {"row": row, "name": dept_name, "area": area, "kind": kind}
    if errors:
        return _failed(result, layout)

    existing = {
        (d.area_id, d.name): d
        for chunk in chunks(sorted({n for _a, n in parsed}), 900)
        for d in Department.objects.filter(name__in=chunk, area__in={a for a, _n in parsed})
    }
    new, changed = [], []
    for key, values in parsed.items():
        department = existing.get(key)
        if department is None:
            area = values["area"]
            new.append(
                Department(name=values["name"], level=area.level, kind=values["kind"], area=area)
            )
        elif department.kind != values["kind"]:
            department.kind = values["kind"]
            changed.append(department)
        else:
            result.unchanged += 1
    progress("writing", 0, len(new) + len(changed))
    with transaction.atomic():
        Department.objects.bulk_create(new, batch_size=BATCH)
        Department.objects.bulk_update(changed, ["kind"], batch_size=BATCH)
    result.created, result.updated = len(new), len(changed)
    progress("writing", len(new) + len(changed), len(new) + len(changed))
    return result


def _area_in_scope(
    row: int,
    code: str,
    areas: dict[str, Area],
    scope: Scope,
    errors: list[RowError],
    column: str = "area_code",
) -> Area | None:
    if not code:
        return None
    area = areas.get(code)
    if area is None or not scope.contains(area):
        # Outside the jurisdiction reads the same as missing: no leak of other areas.
        errors.append(RowError(row, column, _("No area has code %(code)s.") % {"code": code}))
        return None
    return area


# Cadres ----------------------------------------------------------------------------------


def import_cadres(
    fileobj: IO[bytes], name: str, *, by: Actor, progress: Progress = _no_progress
) -> ImportResult:
    """Validate and import a cadres file (name, gender, department, rank, phone, area, ...).

    A cadre is found again by staff code or, without one, by phone; the department by its
    name (and its area's code where two departments share a name). Nothing is written if
    any row is wrong. Raise ImportFileError if the file is unreadable, PermissionDenied if
    the actor's role may not import.
    """
    layout, rows = _start(fileobj, name, CADRE_SPEC, by)
    result = ImportResult()
    errors = result.errors
    total = len(rows)
    progress("validating", 0, total)
    records = list(data_rows(layout, rows))
    scope = scope_for(by)
    areas = _areas(
        code
        for _row, rec in records
        for code in (rec.get("area_code", ""), rec.get("department_area_code", ""))
    )
    departments: dict[str, list[Department]] = {}
    for chunk in chunks(sorted({rec["department"] for _row, rec in records} - {""}), 900):
        for d in Department.objects.filter(name__in=chunk).select_related("area"):
            if scope.contains(d.area):  # another jurisdiction's departments read as missing
                departments.setdefault(d.name, []).append(d)
    phones = {normalize_phone(rec.get("phone", "")) for _row, rec in records} - {""}
    staff_codes = {rec.get("staff_code", "") for _row, rec in records} - {""}
    by_staff: dict[str, Cadre] = {}
    by_phone: dict[str, list[Cadre]] = {}
    for chunk in chunks(sorted(staff_codes), 900):
        for c in Cadre.objects.filter(staff_code__in=chunk).select_related("area"):
            by_staff[c.staff_code] = c
    for chunk in chunks(sorted(phones), 900):
        for c in Cadre.objects.filter(phone__in=chunk).select_related("area"):
            by_phone.setdefault(c.phone, []).append(c)

    parsed: list[dict[str, Any]] = []
    seen_keys: dict[str, int] = {}
    seen_cadres: dict[int, int] = {}
    for row, rec in records:
        result.rows_total += 1
        unstorable = unstorable_cells(row, rec)
        if unstorable:
            errors.extend(unstorable)
            continue
        before = len(errors)
        errors.extend(_required(row, rec, CADRE_SPEC))
        values = _parse_cadre(row, rec, areas, departments, scope, errors)
        if len(errors) > before:
            continue
        staff, phone = values["staff_code"], values["phone"]
        key = f"staff:{staff}" if staff else f"phone:{phone}"
        column = "staff_code" if staff else "phone"
        if key in seen_keys:
            errors.append(
                RowError(
                    row,
                    column,
                    _("This cadre appears twice (first on row %(first)d).")
                    % {"first": seen_keys[key]},
                )
            )
            continue
        seen_keys[key] = row
        match = by_staff.get(staff) if staff else None
        if match is None and phone:
            candidates = [c for c in by_phone.get(phone, []) if not staff or not c.staff_code]
            if len(candidates) > 1:
                errors.append(
                    RowError(
                        row,
                        "phone",
                        _("Several cadres have phone %(phone)s; give each a staff code.")
                        % {"phone": phone},
                    )
                )
                continue
            match = candidates[0] if candidates else None
        if match is not None:
            if not scope.contains(match.area):
                errors.append(
                    RowError(
                        row,
                        column,
                        _("Cadre %(key)s is outside your jurisdiction.") % {"key": staff or phone},
                    )
                )
                continue
            if match.pk in seen_cadres:
                errors.append(
                    RowError(
                        row,
                        column,
                        _("This cadre appears twice (first on row %(first)d).")
                        % {"first": seen_cadres[match.pk]},
                    )
                )
                continue
            seen_cadres[match.pk] = row
            if not staff:
                values["staff_code"] = match.staff_code  # a file without codes keeps them
        values["match"] = match
        parsed.append(values)
        if row % 2000 == 0:
            progress("validating", row, total)
    if errors:
        return _failed(result, layout)

    fields = ["name", "gender", "department", "rank", "phone", "area", "staff_code"]
    new, changed = [], []
    for values in parsed:
        cadre = values.pop("match")
        if cadre is None:
            new.append(Cadre(**values))
            continue
        dirty = False
        for key in fields:
            old = getattr(cadre, f"{key}_id") if key in ("department", "area") else None
            value = values[key]
            if key in ("department", "area"):
                if old != value.pk:
                    setattr(cadre, key, value)
                    dirty = True
            elif getattr(cadre, key) != value:
                setattr(cadre, key, value)
                dirty = True
        if dirty:
            changed.append(cadre)
        else:
            result.unchanged += 1
    writes = len(new) + len(changed)
    progress("writing", 0, writes)
    with transaction.atomic():
        try:
            with transaction.atomic():
                if new:
                    bulk_create_with_history(
                        new,
                        Cadre,
                        batch_size=BATCH,
                        default_user=user_of(by),
                        default_change_reason="import",
                    )
                if changed:
                    bulk_update_with_history(
                        changed,
                        Cadre,
                        fields,
                        batch_size=BATCH,
                        default_user=user_of(by),
                        default_change_reason="import",
                    )
        except IntegrityError:
            # Another import gave one of these staff codes to a cadre just now.
            result.errors.append(
                RowError(
                    0,
                    "",
                    _("Another import changed these cadres just now. Run this import again."),
                )
            )
            return result
        if new or changed:
            coverage_recompute_later()  # cadres count in cadre coverage, by area
    result.created, result.updated = len(new), len(changed)
    progress("writing", writes, writes)
    return result


def _parse_cadre(
    row: int,
    rec: dict[str, str],
    areas: dict[str, Area],
    departments: dict[str, list[Department]],
    scope: Scope,
    errors: list[RowError],
) -> dict[str, Any]:
    cadre_name = rec["name"]
    if len(cadre_name) > 50:
        errors.append(RowError(row, "name", _("A name has at most 50 characters.")))
    gender = _choice(
        row,
        "gender",
        rec["gender"],
        Cadre.Gender,
        _("Unknown gender %(value)s. Allowed: %(allowed)s."),
        errors,
    )
    rank = _choice(
        row, "rank", rec["rank"], Rank, _("Unknown rank %(value)s. Allowed: %(allowed)s."), errors
    )
    phone = phone_cell(row, rec, errors)
    staff = rec.get("staff_code", "")
    if len(staff) > 30:
        errors.append(RowError(row, "staff_code", _("A staff code has at most 30 characters.")))
    if not phone and not staff:
        errors.append(
            RowError(
                row,
                "phone",
                _("Give the cadre's phone or staff code: the next import finds the cadre by it."),
            )
        )
    area = _area_in_scope(row, rec.get("area_code", ""), areas, scope, errors)
    department = None
    dept_name, dept_area_code = rec["department"], rec.get("department_area_code", "")
    if dept_name:
        candidates = departments.get(dept_name, [])
        if dept_area_code:
            candidates = [d for d in candidates if d.area.code == dept_area_code]
        elif area is not None and len(candidates) > 1:
            candidates = [d for d in candidates if area.path.startswith(d.area.path)]
        if not candidates:
            errors.append(
                RowError(
                    row,
                    "department",
                    _("No department is named %(name)s.") % {"name": dept_name},
                )
            )
        elif len(candidates) > 1:
            errors.append(
                RowError(
                    row,
                    "department",
                    _(
                        "Several departments are named %(name)s; give the department's area "
                        "code (部门区划代码)."
                    )
                    % {"name": dept_name},
                )
            )
        else:
            department = candidates[0]
    if (
        department is not None
        and area is not None
        and not area.path.startswith(department.area.path)
    ):
        errors.append(RowError(row, "area_code", _("A cadre serves within the department's area.")))
    return {
        "name": cadre_name,
        "gender": gender,
        "department": department,
        "rank": rank,
        "phone": phone,
        "area": area or (department.area if department is not None else None),
        "staff_code": staff,
    }


# Pairings --------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def import_pairings(
    fileobj: IO[bytes], name: str, *, by: Actor, progress: Progress = _no_progress
) -> ImportResult:
    """Validate and import a pairings file (household_code, cadre phone or staff code, ...).

    The rules of `services.pairings_bulk_assign`, row by row: the household is active and in
    the jurisdiction, the cadre visible and in service, the start date not in the future nor
    inside an earlier pairing; a household with another cadre is refused unless the row's
    `replace` says so (the old pairing then ends the day the new one starts). A household
    already paired with the same cadre is unchanged, so a second import changes nothing.
    Nothing is written if any row is wrong. Raise ImportFileError if the file is
    unreadable, PermissionDenied if the actor's role may not import.
    """
    layout, rows = _start(fileobj, name, PAIRING_SPEC, by)
    result = ImportResult()
    errors = result.errors
    total = len(rows)
    progress("validating", 0, total)
    records = list(data_rows(layout, rows))
    scope = scope_for(by)
    today = _today()

    parsed: dict[str, dict[str, Any]] = {}
    for row, rec in records:
        result.rows_total += 1
        unstorable = unstorable_cells(row, rec)
        if unstorable:
            errors.extend(unstorable)
            continue
        before = len(errors)
        errors.extend(_required(row, rec, PAIRING_SPEC))
        values = _parse_pairing(row, rec, today, errors)
        code = rec["household_code"]
        if code in parsed:
            errors.append(
                RowError(
                    row,
                    "household_code",
                    _("Household %(code)s appears twice (first on row %(first)d).")
                    % {"code": code, "first": parsed[code]["row"]},
                )
            )
        elif len(errors) == before:
            parsed[code] = values
        if row % 2000 == 0:
            progress("validating", row, total)
    if errors:
        return _failed(result, layout)

    with transaction.atomic():
        # Lock as services do: cadres by id, households by id, then pairings.
        cadres = _pairing_cadres(parsed, scope, errors)
        households = _pairing_households(parsed, scope, errors)
        if errors:
            return _failed(result, layout)
        ids = sorted(h.pk for h in households.values())
        active: dict[int, Pairing] = {}
        last_end: dict[int, datetime.date] = {}
        for chunk in chunks(ids, 900):
            for p in (
                Pairing.objects.select_for_update()
                .select_related("cadre")
                .filter(household_id__in=chunk, end_date__isnull=True)
            ):
                active[p.household_id] = p
            last_end.update(
                Pairing.objects.filter(household_id__in=chunk, end_date__isnull=False)
                .values("household_id")
                .annotate(last=Max("end_date"))
                .values_list("household_id", "last")
            )
        ending: list[Pairing] = []
        new: list[Pairing] = []
        for code, values in parsed.items():
            row, start = values["row"], values["start_date"]
            household, cadre = households[code], cadres[code]
            current = active.get(household.pk)
            if current is not None and current.cadre_id == cadre.pk:
                result.unchanged += 1
                continue
            if household.pk in last_end and last_end[household.pk] > start:
                errors.append(
                    RowError(
                        row,
                        "start_date",
                        _("The household had a cadre until %(date)s: start on or after that day.")
                        % {"date": last_end[household.pk]},
                    )
                )
            elif household.status != HouseholdStatus.ACTIVE:
                errors.append(
                    RowError(
                        row,
                        "household_code",
                        _("Household %(code)s has moved out or is deregistered.") % {"code": code},
                    )
                )
            elif current is not None and not values["replace"]:
                errors.append(
                    RowError(
                        row,
                        "household_code",
                        _(
                            "Household %(code)s already has a cadre: %(cadre)s. Write 是 under "
                            "替换 (replace) to move it to this cadre."
                        )
                        % {"code": code, "cadre": current.cadre.name},
                    )
                )
            elif current is not None and current.start_date > start:
                errors.append(
                    RowError(
                        row,
                        "start_date",
                        _("The household's current pairing starts after %(date)s.")
                        % {"date": start},
                    )
                )
            else:
                if current is not None:
                    current.end_date = start
                    current.end_reason = (_("reassigned to %(cadre)s") % {"cadre": cadre.name})[
                        :200
                    ]
                    ending.append(current)
                new.append(
                    Pairing(
                        cadre=cadre,
                        household=household,
                        start_date=start,
                        created_by=user_of(by),
                    )
                )
        if errors:
            return _failed(result, layout)
        writes = len(ending) + len(new)
        progress("writing", 0, writes)
        try:
            with transaction.atomic():
                for ended in chunks(ending, BATCH):
                    Pairing.objects.bulk_update(ended, ["end_date", "end_reason"])
                    _history_bulk(list(ended), "~", by)
                done = len(ending)
                for batch in chunks(new, BATCH):
                    Pairing.objects.bulk_create(batch)
                    _history_bulk(list(batch), "+", by)
                    done += len(batch)
                    progress("writing", done, writes)
        except IntegrityError:
            errors.append(
                RowError(
                    0,
                    "",
                    _("Another administrator assigned some of these households just now. "
                      "Run this import again."),
                )
            )  # fmt: skip
            return result
        if new:
            coverage_recompute_later(min(p.start_date for p in new))
    result.created, result.updated = len(new) - len(ending), len(ending)
    progress("writing", writes, writes)
    return result


def _parse_pairing(
    row: int, rec: dict[str, str], today: datetime.date, errors: list[RowError]
) -> dict[str, Any]:
    phone = normalize_phone(rec.get("cadre_phone", ""))
    staff = rec.get("cadre_staff_code", "")
    if not phone and not staff:
        errors.append(RowError(row, "cadre_phone", _("Give the cadre's phone or staff code.")))
    start = today
    if rec.get("start_date"):
        parsed = parse_date(rec["start_date"])
        if parsed is None:
            errors.append(RowError(row, "start_date", _("Write dates as YYYY-MM-DD.")))
        elif parsed > today:
            errors.append(RowError(row, "start_date", _("A pairing cannot start in the future.")))
        elif (refused := date_error(parsed, today=today)) is not None:
            errors.append(RowError(row, "start_date", refused))
        else:
            start = parsed
    replace_text = name_key(rec.get("replace", ""))
    if replace_text not in YES and replace_text not in NO:
        errors.append(
            RowError(
                row,
                "replace",
                _("Write 是 (yes) to move the household to this cadre, or leave it empty."),
            )
        )
    return {
        "row": row,
        "phone": phone,
        "staff_code": staff,
        "cadre_name": rec.get("cadre_name", ""),
        "start_date": start,
        "replace": replace_text in YES,
    }


def _pairing_households(
    parsed: dict[str, dict[str, Any]], scope: Scope, errors: list[RowError]
) -> dict[str, Household]:
    """Return the households of the file by code, locked; an error for each one missing."""
    found: dict[str, Household] = {}
    for chunk in chunks(sorted(parsed), 900):
        ids = Household.objects.filter(code__in=chunk).values_list("pk", flat=True)
        for h in Household.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"):
            if scope.contains_household(h):  # another jurisdiction's read as missing
                found[h.code] = h
    for code, values in parsed.items():
        if code not in found:
            errors.append(
                RowError(
                    values["row"],
                    "household_code",
                    _("No household has code %(code)s.") % {"code": code},
                )
            )
    return found


def _pairing_cadres(
    parsed: dict[str, dict[str, Any]], scope: Scope, errors: list[RowError]
) -> dict[str, Cadre]:
    """Return the cadre of each row (by household code); an error for each one not found,
    ambiguous, gone or of another name than the file says."""
    staff_codes = sorted({v["staff_code"] for v in parsed.values()} - {""})
    phones = sorted({v["phone"] for v in parsed.values() if not v["staff_code"]} - {""})
    by_staff: dict[str, Cadre] = {}
    by_phone: dict[str, list[Cadre]] = {}
    ids: set[int] = set()
    for chunk in chunks(staff_codes, 900):
        for c in Cadre.objects.filter(staff_code__in=chunk).select_related("area"):
            if scope.reaches(c.area):
                by_staff[c.staff_code] = c
    for chunk in chunks(phones, 900):
        for c in Cadre.objects.filter(phone__in=chunk).select_related("area"):
            if scope.reaches(c.area):
                by_phone.setdefault(c.phone, []).append(c)
    out: dict[str, Cadre] = {}
    for code, values in parsed.items():
        row, staff, phone = values["row"], values["staff_code"], values["phone"]
        column = "cadre_staff_code" if staff else "cadre_phone"
        if staff:
            cadre = by_staff.get(staff)
            if cadre is None:
                errors.append(
                    RowError(row, column, _("No cadre has staff code %(code)s.") % {"code": staff})
                )
                continue
        else:
            candidates = by_phone.get(phone, [])
            if not candidates:
                errors.append(
                    RowError(row, column, _("No cadre has phone %(phone)s.") % {"phone": phone})
                )
                continue
            if len(candidates) > 1:
                errors.append(
                    RowError(
                        row,
                        column,
                        _("Several cadres have phone %(phone)s; name the cadre by staff code.")
                        % {"phone": phone},
                    )
                )
                continue
            cadre = candidates[0]
        if cadre.left_date is not None:
            errors.append(
                RowError(
                    row,
                    column,
                    _("%(name)s left on %(date)s and cannot take households.")
                    % {"name": cadre.name, "date": cadre.left_date},
                )
            )
            continue
        if values["cadre_name"] and values["cadre_name"] != cadre.name:
            errors.append(
                RowError(
                    row,
                    "cadre_name",
                    _("The cadre with this phone or staff code is %(name)s, not %(given)s.")
                    % {"name": cadre.name, "given": values["cadre_name"]},
                )
            )
            continue
        out[code] = cadre
        ids.add(cadre.pk)
    for chunk in chunks(sorted(ids), 900):
        # Lock the cadres and read their leaving dates again.
        for c in Cadre.objects.select_for_update().filter(pk__in=chunk).order_by("pk"):
            if c.left_date is not None:
                for code, cadre in list(out.items()):
                    if cadre.pk == c.pk:
                        errors.append(
                            RowError(
                                parsed[code]["row"],
                                "cadre_phone",
                                _("%(name)s left on %(date)s and cannot take households.")
                                % {"name": c.name, "date": c.left_date},
                            )
                        )
    return out


# Registration ----------------------------------------------------------------------------


def _notes_departments() -> str:
    return _("A department is known by its name and the code of its county or township. "
             "Kinds: %(kinds)s.") % {"kinds": allowed_names(DepartmentKind)}  # fmt: skip


def _notes_cadres() -> str:
    return _(
        "A cadre is found again by staff code or, without one, by phone; the department by "
        "its name (add its area code where two share a name). Gender: %(genders)s. Ranks: "
        "%(ranks)s."
    ) % {"genders": allowed_names(Cadre.Gender), "ranks": allowed_names(Rank)}


def _notes_pairings() -> str:
    return _(
        "A household code and its cadre's phone or staff code; the start date is today if "
        "left empty and may not be in the future. A household that has another cadre is "
        "refused unless its row says 是 (yes) under 替换 (replace)."
    )


def register_importers() -> None:
    """Let the import page, the API and the commands read the core's files."""
    from districts.models import ImportJob
    from liaison.common.registry import Importer, register_importer

    kinds = ImportJob.Kind
    for kind, run, spec, samples, notes in (
        (
            kinds.DEPARTMENTS,
            import_departments,
            DEPARTMENT_SPEC,
            DEPARTMENT_SAMPLES,
            _notes_departments,
        ),
        (kinds.CADRES, import_cadres, CADRE_SPEC, CADRE_SAMPLES, _notes_cadres),
        (kinds.PAIRINGS, import_pairings, PAIRING_SPEC, PAIRING_SAMPLES, _notes_pairings),
    ):
        register_importer(Importer(kind, kind.label, run, spec, samples, (notes,)))
