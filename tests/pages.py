"""Read admin pages in tests: table cells, flashes, panel titles."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class PageParser(HTMLParser):
    """Collect the text of every cell of every table row, and the flashes."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.flashes: list[str] = []
        self._cell: list[str] | None = None
        self._flash: list[str] | None = None
        self._depth = 0  # divs open inside the current flash

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "div" and "alert" in classes.split():
            self._flash, self._depth = [], 0
        if tag == "div" and self._flash is not None:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "div" and self._flash is not None:
            self._depth -= 1
            if self._depth == 0:
                text = " ".join("".join(self._flash).split()).lstrip("× ")
                self.flashes.append(text)
                self._flash = None

    def handle_data(self, data):
        for sink in (self._cell, self._flash):
            if sink is not None:
                sink.append(data)


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def listed(response) -> list[list[str]]:
    """Return the data rows of a list screen: the cells after "Detalhes"."""
    return [row[row.index("Detalhes") + 1:] for row in parse(response).rows
            if "Detalhes" in row]


def shown(response) -> dict[str, str]:
    """Return the label → value pairs of a show screen."""
    return {row[0]: row[1] for row in parse(response).rows if len(row) == 2}


def flashes(response) -> list[str]:
    return parse(response).flashes


def panel_title(response) -> str:
    text = html.unescape(response.get_data(as_text=True))
    return re.search(r'<h4 class="panel-title">\s*([^<]+?)\s*</h4>', text)[1]
