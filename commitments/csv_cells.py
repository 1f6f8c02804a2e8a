"""Cells of the CSV files we write, safe to open in a spreadsheet, and read back unchanged.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a title taken from a third party's sheet could then run
`=HYPERLINK(...)` or worse on the reader's computer (CSV or formula injection). Every text
cell of every CSV download that begins with one of them gets a leading apostrophe, which
spreadsheets read as "this is text" and do not show. The importer removes it again, so a
file downloaded from /datos/ and imported gives back exactly what was exported.

So that the pair is exact for any text, a cell that itself begins with an apostrophe followed
by one of those characters, or by a second apostrophe, gets one too; the importer removes one
leading apostrophe only when it is followed by one of them or by another apostrophe. Numbers
(a negative count of days, say) are written as numbers: a spreadsheet reads `-5` as minus five.

Booleans are written `true` and `false`, as the data dictionary and the data package's table
schemas (api/datapackage.py, which reads TRUE and FALSE here) say, never Python's `True`.
"""

TRUE, FALSE = "true", "false"

FORMULA_STARTS = frozenset("=+-@\t\r")
_PROTECTED_AFTER_APOSTROPHE = FORMULA_STARTS | {"'"}


def protect(value):
    """The value as written to a CSV cell: text that a spreadsheet would run gets a leading
    apostrophe. Anything that is not text is returned as it is."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS or (
        value[0] == "'" and len(value) > 1 and value[1] in _PROTECTED_AFTER_APOSTROPHE
    ):
        return "'" + value
    return value


def unprotect(text):
    """A CSV cell as read back: the inverse of protect() (unprotect(protect(s)) == s)."""
    if len(text) > 1 and text[0] == "'" and text[1] in _PROTECTED_AFTER_APOSTROPHE:
        return text[1:]
    return text


def cell(value):
    """Any value as written to a CSV cell: booleans as TRUE or FALSE, text protected."""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    return protect(value)
