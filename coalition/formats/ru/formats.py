# ruff: noqa: RUF001, RUF003 - Russian text: the Cyrillic letters are meant
# Django's Russian formats stand but one: a day takes the month in the genitive ("E": "1 декабря"), which
# DATE_FORMAT does and MONTH_DAY_FORMAT did not ("1 Декабрь", the nominative "F", right only without a
# day, as in "Декабрь 2026 г.").
MONTH_DAY_FORMAT = "j E"  # 1 декабря

LONG_DATE_FORMAT = "j E Y г."  # 14 января 2027 г.
LONG_DATETIME_FORMAT = "j E Y г., H:i"  # 14 января 2027 г., 10:00
WEEKDAY_DATETIME_FORMAT = "l, j E Y г., H:i"  # Четверг, 14 января 2027 г., 10:00
