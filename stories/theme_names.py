"""The names of the priority themes and of the 17 SDGs, for the translation catalogues, by theme code.

Theme rows hold English names (from the data migration) that the secretariat may reword; each row's `code`
never changes. `Theme.label` looks the code up here and gives the catalogue's translation in the visitor's
language (the UN publishes the SDG names in all six official languages). A theme whose code is not here
shows its name as typed.

The English strings are the catalogues' msgids: change one only together with locale/*/django.po.
"""

from django.utils.translation import gettext_noop

THEME_NAMES: dict[str, str] = {
    "sustainable-development": gettext_noop("Sustainable development"),
    "gender-equality": gettext_noop("Gender equality"),
    "social-inclusion": gettext_noop("Social inclusion"),
    "resilience": gettext_noop("Resilience"),
    "peace-and-security": gettext_noop("Peace and security"),
    "social-justice": gettext_noop("Social justice"),
    "rule-of-law-and-good-governance": gettext_noop("Rule of law and good governance"),
    "civil-society-and-human-rights-defenders": gettext_noop("Civil society and human rights defenders"),
    "economic-social-and-cultural-rights": gettext_noop("Economic, social and cultural rights"),
    "sdg-1": gettext_noop("No Poverty"),
    "sdg-2": gettext_noop("Zero Hunger"),
    "sdg-3": gettext_noop("Good Health and Well-being"),
    "sdg-4": gettext_noop("Quality Education"),
    "sdg-5": gettext_noop("Gender Equality"),
    "sdg-6": gettext_noop("Clean Water and Sanitation"),
    "sdg-7": gettext_noop("Affordable and Clean Energy"),
    "sdg-8": gettext_noop("Decent Work and Economic Growth"),
    "sdg-9": gettext_noop("Industry, Innovation and Infrastructure"),
    "sdg-10": gettext_noop("Reduced Inequalities"),
    "sdg-11": gettext_noop("Sustainable Cities and Communities"),
    "sdg-12": gettext_noop("Responsible Consumption and Production"),
    "sdg-13": gettext_noop("Climate Action"),
    "sdg-14": gettext_noop("Life Below Water"),
    "sdg-15": gettext_noop("Life on Land"),
    "sdg-16": gettext_noop("Peace, Justice and Strong Institutions"),
    "sdg-17": gettext_noop("Partnerships for the Goals"),
}
