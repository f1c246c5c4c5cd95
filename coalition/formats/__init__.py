"""Dates and numbers in each interface language's own conventions (settings.FORMAT_MODULE_PATH).

Django looks here first, then in its own `django.conf.locale.<locale>.formats`: a module here holds only
what Django's is missing or gets wrong, plus the portal's three named formats, which every language
defines (a name no module defines would be rendered letter by letter as a date format):

- LONG_DATE_FORMAT: a day in prose, month in words ("14 January 2027").
- LONG_DATETIME_FORMAT: the same with the time ("14 January 2027, 10:00").
- WEEKDAY_DATETIME_FORMAT: with the day of the week, for meetings ("Thursday 14 January 2027, 10:00").

Templates write `{{ value|date:"LONG_DATE_FORMAT" }}`, never a pattern such as "j F Y": a pattern is right
in one language only (Russian needs the genitive month, Chinese its own order and characters).
"""

# The names every module of this package defines; tests/coalition/test_formats.py holds them to it.
PORTAL_FORMATS = ("LONG_DATE_FORMAT", "LONG_DATETIME_FORMAT", "WEEKDAY_DATETIME_FORMAT")
