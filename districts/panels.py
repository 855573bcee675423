"""Extra panels that later apps add to the area and household pages.

Dependencies point one way (districts ← liaison), so districts cannot ask liaison for a
household's cadre; instead liaison registers a panel here when it starts (AppConfig.ready).
"""

from collections.abc import Callable
from dataclasses import dataclass

# A panel function takes (request, obj) and returns (template name, context) or None.
PanelFunction = Callable[..., tuple[str, dict] | None]
_PANELS: dict[str, list[PanelFunction]] = {"area": [], "household": []}


@dataclass
class Panel:
    template: str
    context: dict


def register(page: str, function: PanelFunction) -> None:
    if function not in _PANELS[page]:
        _PANELS[page].append(function)


def panels_for(page: str, request, obj) -> list[Panel]:
    out = []
    for function in _PANELS[page]:
        result = function(request, obj)
        if result is not None:
            out.append(Panel(*result))
    return out
