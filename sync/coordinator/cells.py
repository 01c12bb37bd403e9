"""Text that goes into a spreadsheet cell can never start a formula.

CSV and XLSX files leave the coordinator for communes and funders, who open them in Excel
or LibreOffice: a commune or kiosk name such as `=HYPERLINK(...)` would become a live
formula there. OWASP's advice: put an apostrophe before a leading formula character.
Numbers stay numbers.
"""

from __future__ import annotations

#: What a spreadsheet reads as the start of a formula, full-width and small forms included.
FORMULA_STARTS = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66\ufe6b")


def cell_text(value):
    """`value` made safe for a spreadsheet cell: text cannot start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
