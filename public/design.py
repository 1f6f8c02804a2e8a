"""The design tokens as /diseno/ shows them, read from static/css/tokens.css itself, so the
page can never disagree with the stylesheet."""

import re
from dataclasses import dataclass, field

from django.contrib.staticfiles import finders
from django.utils.translation import gettext_lazy as _

TOKENS_FILE = "css/tokens.css"
GROUP = re.compile(r"/\*\s*==\s*(.+?)\s*==\s*\*/")
TOKEN = re.compile(r"(--[a-z0-9-]+)\s*:\s*([^;]+);")
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
REFERENCE = re.compile(r"^var\((--[a-z0-9-]+)\)$")

# The groups' headings in the stylesheet, as the page names them.
GROUP_NAMES = {
    "Colour: brand": _("Colour: brand"),
    "Colour: text and surfaces": _("Colour: text and surfaces"),
    "Colour: the traffic light (text on its tint passes 4.5:1; the shape repeats it)": _(
        "Colour: the traffic light"
    ),
    "Colour: alerts": _("Colour: alerts"),
    "Type": _("Typography"),
    "Space (a 4 px grid)": _("Space"),
    "Shape": _("Shape"),
    "Touch": _("Touch"),
}


@dataclass
class Token:
    name: str
    value: str
    # The colour it resolves to (#rrggbb) and its contrast with white, for colours.
    colour: str | None = None
    contrast_on_white: float | None = None


@dataclass
class Group:
    title: str
    tokens: list = field(default_factory=list)

    @property
    def is_colour(self):
        return any(t.colour for t in self.tokens)


def _luminance(hex_colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b):
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse(css):
    """The :root custom properties of a stylesheet, in groups, references resolved."""
    root = css[css.index(":root") :]
    groups, values = [], {}
    for line in root.splitlines():
        heading = GROUP.search(line)
        if heading:
            groups.append(Group(str(GROUP_NAMES.get(heading.group(1), heading.group(1)))))
            continue
        token = TOKEN.search(line)
        if token and groups:
            name, value = token.group(1), token.group(2).strip()
            values[name] = value
            groups[-1].tokens.append(Token(name, value))
    for group in groups:
        for token in group.tokens:
            value, seen = token.value, set()
            while (ref := REFERENCE.match(value)) and ref.group(1) not in seen:
                seen.add(ref.group(1))
                value = values.get(ref.group(1), "")
            if HEX.match(value):
                token.colour = value.lower()
                token.contrast_on_white = round(contrast(token.colour, "#ffffff"), 1)
    return groups


def tokens():
    with open(finders.find(TOKENS_FILE), encoding="utf-8") as f:
        return parse(f.read())
