# Django's English formats stand ("Dec. 1, 2026"); pages that spell the month out use the day-first order
# they have always used.
LONG_DATE_FORMAT = "j F Y"  # 14 January 2027
LONG_DATETIME_FORMAT = "j F Y, H:i"  # 14 January 2027, 10:00
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"  # Thursday 14 January 2027, 10:00
