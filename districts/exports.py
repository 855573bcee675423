"""Downloads of districts: household lists, import templates and import error reports.

Columns are described once (liaison.common.exports.Column); the pages export them with
headers and values in the reader's language.
"""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.common.exports import Column, Sheet, choice_label, choice_labels, local_time
from liaison.common.registry import export_headers, export_values, importer_for

from .imports import ImportColumn
from .models import (
    AuditEntry,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    ImportJob,
    PersonalDataAccess,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

# Households are read from the database in chunks of this many (one query each, and one
# for each extra column a higher app adds).
CHUNK = 2_000

HOUSEHOLD_COLUMNS: list[Column[Household]] = [
    Column("code", gettext_lazy("Code"), lambda h: h.code),
    Column("head_name", gettext_lazy("Head of household"), lambda h: h.head_name),
    Column("members", gettext_lazy("Members"), lambda h: h.members),
    Column("township", gettext_lazy("Township"), lambda h: h.township.name),
    Column("village", gettext_lazy("Village"), lambda h: h.village.name),
    Column("group", gettext_lazy("Village group"), lambda h: h.group.name),
    Column(
        "categories",
        gettext_lazy("Categories"),
        lambda h: ";".join(h.categories),
        lambda h: choice_labels(HouseholdCategory, h.categories),
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        lambda h: h.status,
        lambda h: choice_label(HouseholdStatus, h.status),
    ),
    Column("status_date", gettext_lazy("status date"), lambda h: h.status_date),
]
# The list of uncovered households needs no status: they are all active.
HOUSEHOLD_GAP_COLUMNS = HOUSEHOLD_COLUMNS[:7]


def household_sheet(
    request: HttpRequest,
    households: "QuerySet[Household]",
    *,
    title: Any,
    columns: Sequence[Column[Household]] = HOUSEHOLD_COLUMNS,
    extra: bool = True,
) -> Sheet:
    """Return households as people read them, with (`extra`) the columns higher apps add
    after `columns` (the responsible cadre). `households` must already be the user's (a
    selector's queryset)."""
    households = households.select_related("township", "village", "group")

    def rows() -> Iterator[list[Any]]:
        for chunk in _chunks(households):
            more = export_values("households", request, chunk) if extra else [[] for _ in chunk]
            for household, values in zip(chunk, more, strict=True):
                yield [c.cell(household, labels=True) for c in columns] + values

    headers = [str(c.label) for c in columns]
    if extra:
        headers += [str(h) for h in export_headers("households")]
    return Sheet(title, headers, rows())


def _chunks(households: "QuerySet[Household]") -> Iterator[list[Household]]:
    chunk: list[Household] = []
    for household in households.iterator(chunk_size=CHUNK):
        chunk.append(household)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Imports ---------------------------------------------------------------------------------

# The sample row of each template: a township and a village under it; a household in a
# group. Values of choices are written as people do (Chinese labels).
AREA_SAMPLES = [
    ["530827100", "娜允镇", "乡镇", "530827", ""],
    ["530827100201", "芒街村", "村", "530827100", "基础条件薄弱村"],
]
HOUSEHOLD_SAMPLES = [
    [
        "H530827100201001001",
        "530827100201001",
        "岩罕",
        "4",
        "530827198001019998",
        "13900001234",
        "芒街村一组",
        "贫困户;上访户",
        "在册",
        "",
    ]
]


def import_template(kind: str) -> Sheet:
    """Return the template of an import file: the Chinese header, the code header, samples.

    Both header rows import (the second is skipped, see districts.imports).
    """
    importer = importer_for(kind)
    if importer is None:
        raise ValueError(f"No importer for {kind!r}")
    spec: Sequence[ImportColumn] = importer.spec
    return Sheet(
        str(importer.label),
        [c.title for c in spec],
        [[c.code for c in spec], *importer.samples],
    )


def import_errors_sheet(job: ImportJob) -> Sheet:
    """Return a job's error report: row, column (as the file names it), problem."""
    return Sheet(
        _("Errors"),
        [_("Row"), _("Column"), _("Problem")],
        ([e["row"], e["column"], e["message"]] for e in job.errors),
    )


# The logs ------------------------------------------------------------------------------

REVEAL_COLUMNS: list[Column[PersonalDataAccess]] = [
    Column("at", gettext_lazy("Time"), lambda r: r.at.isoformat(), lambda r: local_time(r.at)),
    Column("user", gettext_lazy("User"), lambda r: r.user.get_username()),
    Column("household", gettext_lazy("Household code"), lambda r: r.household.code),
    Column("group", gettext_lazy("Village group"), lambda r: r.household.group.name),
    Column("fields", gettext_lazy("Fields"), lambda r: r.fields),
    Column("reason", gettext_lazy("Reason"), lambda r: r.reason),
    Column("ip_address", gettext_lazy("IP address"), lambda r: r.ip_address or ""),
]

AUDIT_COLUMNS: list[Column[AuditEntry]] = [
    Column("at", gettext_lazy("Time"), lambda e: e.at.isoformat(), lambda e: local_time(e.at)),
    Column("kind", gettext_lazy("Kind"), lambda e: e.kind, lambda e: e.get_kind_display()),
    Column("user", gettext_lazy("User"), lambda e: e.username),
    Column("area", gettext_lazy("Area"), lambda e: e.area.name if e.area else ""),
    Column("ip_address", gettext_lazy("IP address"), lambda e: e.ip_address or ""),
    Column("details", gettext_lazy("Details"), lambda e: audit_details(e)),
]


def audit_details(entry: AuditEntry) -> str:
    """Return an entry's details as one line: "key: value; …" in a stable order."""
    return "; ".join(f"{key}: {entry.details[key]}" for key in sorted(entry.details))
