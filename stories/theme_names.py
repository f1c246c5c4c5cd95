"""The names of the priority themes and of the 17 SDGs, for the translation catalogues.

Theme rows hold English names (from the data migration); these markers put the same strings in the
catalogues, and `Theme.label` looks them up in the visitor's language (the UN publishes the SDG names in all
six official languages).
"""

from django.utils.translation import gettext_noop

THEME_NAMES = [
    gettext_noop("Sustainable development"),
    gettext_noop("Gender equality"),
    gettext_noop("Social inclusion"),
    gettext_noop("Resilience"),
    gettext_noop("Peace and security"),
    gettext_noop("Social justice"),
    gettext_noop("Rule of law and good governance"),
    gettext_noop("Civil society and human rights defenders"),
    gettext_noop("Economic, social and cultural rights"),
    gettext_noop("No Poverty"),
    gettext_noop("Zero Hunger"),
    gettext_noop("Good Health and Well-being"),
    gettext_noop("Quality Education"),
    gettext_noop("Gender Equality"),
    gettext_noop("Clean Water and Sanitation"),
    gettext_noop("Affordable and Clean Energy"),
    gettext_noop("Decent Work and Economic Growth"),
    gettext_noop("Industry, Innovation and Infrastructure"),
    gettext_noop("Reduced Inequalities"),
    gettext_noop("Sustainable Cities and Communities"),
    gettext_noop("Responsible Consumption and Production"),
    gettext_noop("Climate Action"),
    gettext_noop("Life Below Water"),
    gettext_noop("Life on Land"),
    gettext_noop("Peace, Justice and Strong Institutions"),
    gettext_noop("Partnerships for the Goals"),
]
