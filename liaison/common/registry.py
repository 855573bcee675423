"""Extension points: panels on another app's pages, columns in its tables and downloads,
the home page's widgets, the main menu.

Dependencies point one way (districts ← liaison.core ← dutydays ← …), so an earlier app
cannot ask a later one for, say, a household's cadre. Instead the later app registers a
panel, a home widget or a menu entry here when it starts (its AppConfig.ready), and the
earlier app's page asks the registry what to show.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# A panel function takes (request, obj) and returns (template name, context) or None.
PanelFunction = Callable[[HttpRequest, Any], tuple[str, dict[str, Any]] | None]
PAGES = ("area", "household", "cadre", "coverage", "import", "concern")
_PANELS: dict[str, list[PanelFunction]] = {page: [] for page in PAGES}


@dataclass
class Panel:
    template: str
    context: dict[str, Any]


def register_panel(page: str, function: PanelFunction) -> None:
    """Show `function`'s panel on `page` (one of PAGES)."""
    if page not in _PANELS:
        raise ValueError(f"Unknown page {page!r}; pages with panels: {', '.join(PAGES)}")
    if function not in _PANELS[page]:
        _PANELS[page].append(function)


def panels_for(page: str, request: HttpRequest, obj: Any) -> list[Panel]:
    """Return the panels the registered apps show on `page` for `obj`, in layer order."""
    out = []
    for function in _PANELS[page]:
        result = function(request, obj)
        if result is not None:
            out.append(Panel(*result))
    return out


# Columns --------------------------------------------------------------------------------
# A later app adds a column to an earlier app's table: the responsible cadre on the area
# page's households, the leader on the zone list. The function gets the rows of the page and
# answers for all of them at once (one query), never a query per row.


@dataclass
class Column:
    """A column of a table: its header, the template of a cell and the value of each row.

    The template renders one cell's content with `value` (None for a row without one) and
    `row` (the row's object) in its context.
    """

    label: Any  # a lazy translation
    template: str
    values: dict[Any, Any]  # row pk → value


@dataclass
class Cell:
    label: Any
    template: str
    value: Any


# A column function takes (request, the page's rows) and returns a Column or None.
ColumnFunction = Callable[[HttpRequest, Sequence[Any]], Column | None]
TABLES = ("households", "zones")
_COLUMNS: dict[str, list[ColumnFunction]] = {table: [] for table in TABLES}


def register_column(table: str, function: ColumnFunction) -> None:
    """Add `function`'s column to `table` ("households" or "zones")."""
    if table not in _COLUMNS:
        raise ValueError(f"Unknown table {table!r}; tables with columns: {', '.join(TABLES)}")
    if function not in _COLUMNS[table]:
        _COLUMNS[table].append(function)


def columns_for(table: str, request: HttpRequest, rows: Sequence[Any]) -> list[Column]:
    """Return the columns the registered apps add to `table` for these rows, in layer order."""
    columns = []
    for function in _COLUMNS[table]:
        column = function(request, rows)
        if column is not None:
            columns.append(column)
    return columns


def rows_with_cells(rows: Sequence[Any], columns: list[Column]) -> list[tuple[Any, list[Cell]]]:
    """Return (row, its cells in the added columns) pairs, for a template to loop over."""
    return [
        (row, [Cell(c.label, c.template, c.values.get(row.pk)) for c in columns]) for row in rows
    ]


# Home page -------------------------------------------------------------------------------
# The home page (districts' `dashboard`) is composed of widgets: each app adds what its users
# should see first (figures, trends, a cadre's households, a big button), for the roles that
# need it. A widget whose capability has not arrived yet may hold its place with a note of
# what will appear; the app that brings it registers a widget with the same key.

HomeFunction = Callable[[HttpRequest], tuple[str, dict[str, Any]] | None]
# "tile": one figure (a quarter of a wide screen, half a phone); "half"; "full": the width.
HOME_SIZES = ("tile", "half", "full")


@dataclass(frozen=True)
class HomeWidget:
    """A block of the home page.

    `render(request)` returns (template, context) or None (nothing to show this user); a
    context's `scripts` are the static files the block needs this time (a chart with
    figures), loaded once on the page. `visible(request)` decides which roles get it at all
    (`districts.access.is_role`, `has_permission`), before anything is read; `order` sorts
    the page.
    """

    key: str
    order: int
    render: HomeFunction
    visible: Callable[[HttpRequest], bool]
    size: str = "half"

    def __post_init__(self) -> None:
        if self.size not in HOME_SIZES:
            raise ValueError(f"Unknown size {self.size!r}; sizes: {', '.join(HOME_SIZES)}")


@dataclass
class HomeBlock:
    """A rendered widget: its key and size, template and context, and the scripts it needs."""

    key: str
    size: str
    template: str
    context: dict[str, Any]
    scripts: tuple[str, ...] = ()


_HOME: dict[str, HomeWidget] = {}


def register_home(widget: HomeWidget) -> None:
    """Add (or replace, by key) a widget of the home page."""
    _HOME[widget.key] = widget


def home_for(request: HttpRequest) -> list[HomeBlock]:
    """Return the home page's blocks for `request.user`, in order."""
    blocks = []
    for widget in sorted(_HOME.values(), key=lambda w: (w.order, w.key)):
        if not widget.visible(request):
            continue
        result = widget.render(request)
        if result is not None:
            template, context = result
            scripts = tuple(context.get("scripts", ()))
            blocks.append(HomeBlock(widget.key, widget.size, template, context, scripts))
    return blocks


def home_scripts(blocks: list[HomeBlock]) -> list[str]:
    """Return the static scripts `blocks` need, each once, in the order first needed."""
    return list(dict.fromkeys(script for block in blocks for script in block.scripts))


# Main menu -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuEntry:
    """A main-menu link. `visible(request)` decides who sees it; `order` sorts the menu.

    The entry is the current page's on its own URL name and on `also_current` (the pages
    below it: an area's page under "Areas"); `new_tab` opens it in a new tab (the API docs).
    `badge(request)`, if given, returns a count shown next to the label (unread
    notifications), or None or 0 for none; it runs only for users who see the entry.
    `badge_label` says what the count counts, to screen readers ("unread").
    """

    key: str
    label: Any  # a lazy translation
    url_name: str
    order: int
    visible: Callable[[HttpRequest], bool]
    url_args: tuple[Any, ...] = ()
    also_current: tuple[str, ...] = ()
    new_tab: bool = False
    badge: Callable[[HttpRequest], int | None] | None = None
    badge_label: Any = None  # a lazy translation

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)

    def is_current(self, request: HttpRequest) -> bool:
        """Return whether `request` is for this entry's page (or a page below it)."""
        match = getattr(request, "resolver_match", None)
        name = match.url_name if match is not None else None
        return name is not None and (name == self.url_name or name in self.also_current)


@dataclass(frozen=True)
class MenuLink:
    """A menu entry as one request shows it: marked when it is the current page, with its
    badge's count (None: no badge)."""

    entry: MenuEntry
    current: bool
    badge: int | None = None

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def label(self) -> Any:
        return self.entry.label

    @property
    def url(self) -> str:
        return self.entry.url

    @property
    def new_tab(self) -> bool:
        return self.entry.new_tab

    @property
    def badge_label(self) -> Any:
        return self.entry.badge_label


_MENU: dict[str, MenuEntry] = {}


def register_menu(entry: MenuEntry) -> None:
    """Add (or replace, by key) a main-menu entry."""
    _MENU[entry.key] = entry


def menu_for(request: HttpRequest) -> list[MenuEntry]:
    """Return the menu entries `request.user` may see, in order."""
    return [e for e in sorted(_MENU.values(), key=lambda e: e.order) if e.visible(request)]


# Export columns ----------------------------------------------------------------------------
# A higher app adds columns to a lower app's downloads (the responsible cadre of each
# household), as panels add to its pages.


@dataclass(frozen=True)
class ExportColumns:
    """Columns added to the exports of `table`: `headers()` (translated) and, for a chunk of
    the table's objects, `values(request, objects)`, one list per object (one query a chunk).
    """

    headers: Callable[[], list[Any]]
    values: Callable[[HttpRequest, Sequence[Any]], list[list[Any]]]


EXPORT_TABLES = ("households",)
_EXPORT_COLUMNS: dict[str, list[ExportColumns]] = {table: [] for table in EXPORT_TABLES}


def register_export_columns(table: str, columns: ExportColumns) -> None:
    """Add `columns` to the exports of `table` ("households")."""
    if table not in _EXPORT_COLUMNS:
        raise ValueError(f"Unknown table {table!r}; tables: {', '.join(EXPORT_TABLES)}")
    if columns not in _EXPORT_COLUMNS[table]:
        _EXPORT_COLUMNS[table].append(columns)


def export_headers(table: str) -> list[Any]:
    """Return the headers the registered apps add to `table`, in layer order."""
    return [h for columns in _EXPORT_COLUMNS[table] for h in columns.headers()]


def export_values(table: str, request: HttpRequest, objects: Sequence[Any]) -> list[list[Any]]:
    """Return, for each of `objects`, the values of the columns the apps add to `table`."""
    rows: list[list[Any]] = [[] for _ in objects]
    for columns in _EXPORT_COLUMNS[table]:
        for row, values in zip(rows, columns.values(request, objects), strict=True):
            row.extend(values)
    return rows


def menu_links(request: HttpRequest) -> list[MenuLink]:
    """Return the menu `request.user` sees, the current page's entry marked.

    One entry at most is current: the first in menu order that claims the page.
    """
    links = []
    found = False
    for entry in menu_for(request):
        current = not found and entry.is_current(request)
        found = found or current
        badge = entry.badge(request) if entry.badge is not None else None
        links.append(MenuLink(entry, current, badge or None))
    return links


# Events ----------------------------------------------------------------------------------
# A lower app announces that something happened ("households changed"); a higher app that
# keeps figures about it subscribes in its AppConfig.ready(). Publishing is explicit, in the
# service that made the change — never a model signal.

_SUBSCRIBERS: dict[str, list[Callable[..., None]]] = {}


def subscribe(event: str, function: Callable[..., None]) -> None:
    """Call `function(**payload)` whenever `event` is published."""
    subscribers = _SUBSCRIBERS.setdefault(event, [])
    if function not in subscribers:
        subscribers.append(function)


def publish(event: str, **payload: Any) -> None:
    """Tell the subscribers of `event`; they schedule their own work (on commit)."""
    for function in _SUBSCRIBERS.get(event, []):
        function(**payload)


# Importers ------------------------------------------------------------------------------
# The import page, its API and its job runner live in districts; the files they read may
# create rows of a later app (the core's departments, cadres and pairings). Each app
# registers its kinds of file here and the runner dispatches by kind without importing them.


@dataclass(frozen=True)
class Importer:
    """A kind of import file.

    `run(fileobj, name, *, by, progress)` validates and imports it and returns the result
    (districts.imports.ImportResult); `spec` lists its columns (ImportColumn: code, Chinese
    title, other names); `samples` are rows of the template file.
    """

    kind: str
    label: Any
    run: Callable[..., Any]
    spec: Sequence[Any]
    samples: Sequence[Sequence[str]] = ()
    notes: Sequence[Callable[[], str]] = ()


_IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> None:
    """Let the import page, the API and the job runner read files of `importer.kind`."""
    _IMPORTERS[importer.kind] = importer


def importer_for(kind: str) -> Importer | None:
    """Return the importer registered for `kind`, or None."""
    return _IMPORTERS.get(kind)


def importers() -> list[Importer]:
    """Return the registered importers in layer order (areas, households, then the core's)."""
    return list(_IMPORTERS.values())


# Erasure of personal data past the retention period (PIPL) -----------------------------


@dataclass(frozen=True)
class Eraser:
    """Personal data a later app keeps (concerns' reporters): `erase(by, dry_run, today)`
    blanks what is older than `retention_years` and returns how many records it touched
    (with `dry_run`: would touch); `label` names them in the command's report."""

    key: str
    label: Any
    erase: Callable[..., int]


_ERASERS: dict[str, Eraser] = {}


def register_eraser(eraser: Eraser) -> None:
    _ERASERS[eraser.key] = eraser


def erasers() -> list[Eraser]:
    return list(_ERASERS.values())
