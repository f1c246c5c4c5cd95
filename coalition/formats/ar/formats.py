# Django's Arabic module leaves DATETIME_FORMAT and SHORT_DATETIME_FORMAT out, so the admin fell back to the
# English settings' "N j, Y, P" and wrote "ديسمبر 1, 2026": day, month, year here, with the Arabic comma
# "،" before the time (Django's "j F، Y" also put one before the year, which Arabic dates do not have).
# Month names only ever come from "F" (يناير ... سبتمبر ... ديسمبر): Django's Arabic
# "E" spells April differently (أبريل against إبريل), and one page must not show both.
# Numbers keep Django's Arabic separators.
DATE_FORMAT = "j F Y"  # 1 ديسمبر 2026
TIME_FORMAT = "H:i"  # 14:30, as in the date-time formats below
DATETIME_FORMAT = "j F Y، H:i"  # 1 ديسمبر 2026، 14:30
YEAR_MONTH_FORMAT = "F Y"  # ديسمبر 2026
MONTH_DAY_FORMAT = "j F"  # 1 ديسمبر
# Django's "d\u200f/m\u200f/Y" hides right-to-left marks between the numbers: what a reader copies, or
# types back into a date field, would not be what the field accepts.
SHORT_DATE_FORMAT = "d/m/Y"  # 01/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y، H:i"  # 01/12/2026، 14:30

LONG_DATE_FORMAT = DATE_FORMAT
LONG_DATETIME_FORMAT = DATETIME_FORMAT
WEEKDAY_DATETIME_FORMAT = "l، j F Y، H:i"  # الثلاثاء، 1 ديسمبر 2026، 14:30

# Django's Arabic module has no input formats, so the English settings' month-first ones read "01/12/2026"
# as 12 January. The first format is what date fields show: ISO, which every browser's
# date input accepts; the day-first forms are what readers of the formats above type.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-01
    "%d/%m/%Y",  # 01/12/2026
    "%d/%m/%y",  # 01/12/26
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # 2026-12-01 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-12-01 14:30:59.000200
    "%Y-%m-%d %H:%M",  # 2026-12-01 14:30
    "%d/%m/%Y %H:%M:%S",  # 01/12/2026 14:30:59
    "%d/%m/%Y %H:%M:%S.%f",  # 01/12/2026 14:30:59.000200
    "%d/%m/%Y %H:%M",  # 01/12/2026 14:30
]
