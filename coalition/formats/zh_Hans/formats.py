# Django's Simplified Chinese module stands ("2026年12月1日"), but for three mistakes, put right here:
# MONTH_DAY_FORMAT pads the month ("09月5日" where its own comment says "9月5日"), and its input formats use
# "%n" (any whitespace) and "%j" (day of the year) for month and day, so "2026年12月1日" typed into a date
# field was refused.
MONTH_DAY_FORMAT = "n月j日"  # 12月1日

LONG_DATE_FORMAT = "Y年n月j日"  # 2026年12月1日
LONG_DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年12月1日 14:30
WEEKDAY_DATETIME_FORMAT = "Y年n月j日 l H:i"  # 2026年12月1日 星期二 14:30

DATE_INPUT_FORMATS = [
    "%Y/%m/%d",  # 2026/12/01
    "%Y-%m-%d",  # 2026-12-01
    "%Y年%m月%d日",  # 2026年12月1日 (strptime takes one or two digits)
]
DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M",  # 2026/12/01 14:30
    "%Y-%m-%d %H:%M",  # 2026-12-01 14:30
    "%Y年%m月%d日 %H:%M",  # 2026年12月1日 14:30
    "%Y/%m/%d %H:%M:%S",  # 2026/12/01 14:30:59
    "%Y-%m-%d %H:%M:%S",  # 2026-12-01 14:30:59
    "%Y年%m月%d日 %H:%M:%S",  # 2026年12月1日 14:30:59
    "%Y/%m/%d %H:%M:%S.%f",  # 2026/12/01 14:30:59.000200
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-12-01 14:30:59.000200
    "%Y年%m月%d日 %H:%M:%S.%f",  # 2026年12月1日 14:30:59.000200
]
