"""Read a page as a tree, so that page tests assert on what it shows, not on its markup.

Built on the standard library's `html.parser`::

    page = parse(client.get(url))
    assert page.find("h1").text == "芒街村"
    assert page.table_rows("#households") == [["H1", "岩温", "3", "芒街一组", "—", "在册"]]
    assert page.find("ul", class_="navbar-nav").links() == ["/", "/coverage/"]
    assert page.form_errors() == ["该字段是必填项。"]
    assert "勐马镇" not in page.all_text  # nor in scripts or attributes

`find_all(tag, **attrs)` / `find(tag, **attrs)` match attributes exactly, except `class_`
(every given class must be among the element's classes) and `text` (the element's
whitespace-normalised text); `data_rate="x"` stands for the attribute `data-rate`, and
`attr=True` for "has the attribute".
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

# Elements without content or end tag.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# Start tags that close an open element of these kinds first (HTML's optional end tags).
CLOSES = {
    "li": {"li"},
    "option": {"option"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "p": {"p"},
}
# Their text is not what a reader sees.
HIDDEN = frozenset({"script", "style", "template"})
ERROR_CLASSES = ("invalid-feedback", "alert-danger", "errorlist")


class Element:
    """An element of a parsed page: `tag`, `attrs`, `children` (elements and strings)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        attrs = "".join(f' {k}="{v}"' for k, v in self.attrs.items())
        return f"<{self.tag}{attrs}> {self.text[:60]!r}"

    # Reading

    @property
    def text(self) -> str:
        """Return the text inside the element, whitespace runs collapsed to one space."""
        return " ".join("".join(self._strings()).split())

    def text_without(self, *tags: str) -> str:
        """Return `text`, leaving out what is inside the elements of `tags`."""
        return " ".join("".join(self._strings(HIDDEN | set(tags))).split())

    @property
    def all_text(self) -> str:
        """Return everything the element holds as text: its text, what `text` leaves out
        (scripts, styles, templates) and every attribute value, whitespace collapsed.

        For asserting that something is not on a page at all: a leak may hide in markup.
        """
        return " ".join(" ".join(self._all_strings()).split())

    def _all_strings(self) -> Iterator[str]:
        yield from self.attrs.values()
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._all_strings()

    def _strings(self, hidden: frozenset[str] = HIDDEN) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif child.tag not in hidden:
                yield from child._strings(hidden)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    # Finding

    def iter(self) -> Iterator[Element]:
        """Yield every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def matches(self, tag: str | None = None, **attrs: Any) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for key, wanted in attrs.items():
            if key == "text":
                if self.text != wanted:
                    return False
                continue
            name = "class" if key == "class_" else key.replace("_", "-")
            if name not in self.attrs:
                return False
            if wanted is True:
                continue
            if name == "class":
                if not set(str(wanted).split()) <= set(self.classes):
                    return False
            elif self.attrs[name] != str(wanted):
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs: Any) -> list[Element]:
        """Return every element below this one that matches, in document order."""
        return [e for e in self.iter() if e.matches(tag, **attrs)]

    def find(self, tag: str | None = None, **attrs: Any) -> Element:
        """Return the first element below this one that matches.

        Raise AssertionError if there is none (use `find_all(...) == []` to assert absence).
        """
        for element in self.iter():
            if element.matches(tag, **attrs):
                return element
        wanted = " ".join([tag or "*", *(f"{k}={v!r}" for k, v in attrs.items())])
        raise AssertionError(f"no element <{wanted}> in {self!r}")

    def select(self, selector: str) -> Element:
        """Return the first element that `#id`, `.class`, `tag#id` or `tag.class` names."""
        tag, hash_sign, name = selector.partition("#")
        if hash_sign:
            return self.find(tag or None, id=name)
        tag, dot, css = selector.partition(".")
        if dot:
            return self.find(tag or None, class_=css.replace(".", " "))
        raise ValueError(f"name an element by #id or .class, not {selector!r}")

    def texts(self, tag: str | None = None, **attrs: Any) -> list[str]:
        """Return the text of every matching element below this one."""
        return [e.text for e in self.find_all(tag, **attrs)]

    # What pages show

    def links(self) -> list[str]:
        """Return the `href` of every link below this one, in document order."""
        return [a.attrs["href"] for a in self.find_all("a", href=True)]

    def table_rows(self, selector: str) -> list[list[str]]:
        """Return the body rows of the table `selector` names, each a list of its cell texts.

        Tables nested inside it are left out (their rows and their text), and so are rows
        without any text (spacers). Header rows (in `thead`) are `table_headers`.
        """
        table = self.select(selector)
        rows = []
        for tr in table.find_all("tr"):
            if tr.enclosing("table") is not table or tr.enclosing("thead", stop=table):
                continue
            cells = [
                c.text_without("table")
                for c in tr.children
                if isinstance(c, Element) and c.tag in ("td", "th")
            ]
            if any(cells):
                rows.append(cells)
        return rows

    def table_headers(self, selector: str) -> list[str]:
        """Return the texts of the header cells of the table `selector` names."""
        table = self.select(selector)
        return [th.text for th in table.find("thead").find_all("th")]

    def form_errors(self) -> list[str]:
        """Return every error message shown: `.invalid-feedback`, `.alert-danger`, `.errorlist`.

        One entry per message: a list of errors inside an alert gives one entry per item.
        """
        found: list[str] = []
        for element in self.iter():
            if not any(c in element.classes for c in ERROR_CLASSES):
                continue
            if any(a is not element and a.matches_any(ERROR_CLASSES) for a in element.ancestors()):
                continue
            items = element.find_all("li") if "errorlist" in element.classes else []
            if not items:
                lists = element.find_all("ul", class_="errorlist")
                items = [li for ul in lists for li in ul.find_all("li")]
            found += [li.text for li in items] if items else [element.text]
        return found

    def options(self, name: str, **attrs: Any) -> list[tuple[str, str]]:
        """Return the (value, label) of every option (that matches `attrs`) of select `name`."""
        selects = self.find_all("select", name=name)
        assert len(selects) == 1, f"{len(selects)} selects named {name!r}"
        options = selects[0].find_all("option", **attrs)
        return [(o.attrs.get("value", o.text), o.text) for o in options]

    def radios(self, name: str, **attrs: Any) -> list[tuple[str, str]]:
        """Return the (value, label text) of every radio button named `name` (that matches
        `attrs`) inside a label, as a picker's options show them."""
        return [
            (radio.attrs.get("value", ""), label.text)
            for label in self.find_all("label")
            for radio in label.find_all("input", type="radio", name=name, **attrs)
        ]

    def selected(self, name: str) -> list[str]:
        """Return the values of the selected options of the select named `name`."""
        return [value for value, _label in self.options(name, selected=True)]

    def messages(self, level: str | None = None) -> list[str]:
        """Return the texts of the `.alert` boxes (of `.alert-<level>` only, if given)."""
        css = "alert" if level is None else f"alert alert-{level}"
        return self.texts(class_=css)

    # Climbing

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def enclosing(self, tag: str, stop: Element | None = None) -> Element | None:
        """Return the nearest ancestor `<tag>` (not looking above `stop`), or None."""
        for node in self.ancestors():
            if node is stop:
                return None
            if node.tag == tag:
                return node
        return None

    def matches_any(self, classes: tuple[str, ...]) -> bool:
        return any(c in self.classes for c in classes)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = CLOSES.get(tag, set())
        while len(self.stack) > 1 and self.stack[-1].tag in closes:
            self.stack.pop()
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open element; a stray end tag is ignored.
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(source: Any) -> Element:
    """Parse a response (its content), bytes or a string of HTML into a tree."""
    if hasattr(source, "content"):
        source = source.content.decode(getattr(source, "charset", None) or "utf-8")
    elif isinstance(source, bytes):
        source = source.decode()
    builder = _TreeBuilder()
    builder.feed(source)
    builder.close()
    return builder.root
