"""A tiny parsed-HTML helper for page tests (standard library only).

`parse(html)` returns the document's root; `find`/`find_all` take a tag name and
attributes (a value of True: the attribute is present), `text` is the visible text with
whitespace collapsed.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list["Node | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts: list[str] = []

        def walk(node: "Node") -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag not in ("script", "style"):
                    walk(child)

        walk(self)
        return " ".join(" ".join(parts).split())

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list["Node"]:
        found: list[Node] = []

        def matches(node: Node) -> bool:
            if tag is not None and node.tag != tag:
                return False
            for key, value in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                if value is True:
                    if key not in node.attrs:
                        return False
                elif key == "class":
                    if not set(str(value).split()) <= node.classes():
                        return False
                elif node.attrs.get(key) != value:
                    return False
            return True

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, Node):
                    if matches(child):
                        found.append(child)
                    walk(child)

        walk(self)
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> "Node | None":
        nodes = self.find_all(tag, **attrs)
        return nodes[0] if nodes else None

    def by_id(self, id_: str) -> "Node":
        node = self.find(id=id_)
        assert node is not None, f"no element #{id_}"
        return node


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def rows(table: Node) -> list[list[str]]:
    """Return the text of each body row's cells."""
    body = table.find("tbody") or table
    return [[td.text for td in tr.find_all("td")] for tr in body.find_all("tr")]
