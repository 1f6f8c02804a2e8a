"""The API's JSON parser: DRF's, refusing what would otherwise pass the parser and fail later.

- Nesting: `[[[[...` 100,000 deep raised RecursionError inside the decoder (a 500); anything
  deeper than MAX_DEPTH is refused too, since no endpoint takes more than a flat object.
- Lone surrogates: `"\\ud800"` is valid JSON but not Unicode text; no database stores it
  (PostgreSQL's driver fails to encode it: a 500).
Both are a 400 with the API's JSON error, like any other malformed body.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _refused(value):
    """Why a decoded JSON value is refused, or None; walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return _("The JSON holds text that is not valid Unicode (a lone surrogate).")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return _("The JSON is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("The JSON is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
            ) from None
        reason = _refused(data)
        if reason:
            raise ParseError(reason)
        return data
