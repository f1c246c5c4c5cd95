"""Demo recommendations for the embedded mode: a few dozen per demo member, and the demo stories that answer
some of them. Idempotent: what exists is left as it is.

They are written for the demo in the style of UHRI's records (UPR recommendations of the third and fourth
cycles, treaty-body concluding observations, special-procedures reports); the document symbols, paragraph
numbers and responses are illustrative, not the states' real records, and every row is marked `is_demo`.
The same wordings go to several states, as at the UPR, so that the matchmaker has matches to show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django_countries import countries

from members.demo import DEMO_MEMBERS_WITH_MISSIONS
from members.models import Member
from recommendations.importer import write_rows
from recommendations.models import Citation, Mechanism, Recommendation, Response
from stories.models import SdgTarget, Story, Theme


@dataclass(frozen=True)
class Wording:
    text: str
    targets: tuple[str, ...]
    uhri_themes: tuple[str, ...]
    affected: tuple[str, ...] = ()


# Recommendations made, in these words, to many states.
UPR_WORDINGS = [
    Wording(
        "Ratify the Optional Protocol to the Convention against Torture",
        ("16.3", "16.a"),
        ("Torture and other cruel, inhuman or degrading treatment", "Scope of international obligations"),
        ("Persons deprived of their liberty",),
    ),
    Wording(
        "Ratify the International Convention for the Protection of All Persons from Enforced Disappearance",
        ("16.3",),
        ("Enforced disappearances", "Scope of international obligations"),
    ),
    Wording(
        "Strengthen the national human rights institution and ensure its full compliance with the Paris "
        "Principles",
        ("16.a", "16.6"),
        ("National human rights institutions",),
    ),
    Wording(
        "Adopt a comprehensive law prohibiting discrimination on all grounds",
        ("10.3", "16.b"),
        ("Equality & non-discrimination",),
    ),
    Wording(
        "Guarantee free and universal birth registration, including for children of migrants and refugees",
        ("16.9",),
        ("Birth registration & right to a name", "Right to a nationality"),
        ("Children", "Migrants", "Refugees & asylum seekers"),
    ),
    Wording(
        "Step up measures to prevent and punish violence against women and girls, and support survivors",
        ("5.2", "16.1"),
        ("Sexual & gender-based violence", "Discrimination against women"),
        ("Women & girls",),
    ),
    Wording(
        "Guarantee access to justice and free legal aid for people living in poverty and in rural areas",
        ("16.3",),
        ("Access to justice & remedy", "Administration of justice & fair trial"),
        ("Persons living in poverty", "Persons living in rural areas"),
    ),
    Wording(
        "Improve conditions of detention and reduce prison overcrowding, including through alternatives to "
        "detention",
        ("16.3",),
        ("Conditions of detention",),
        ("Persons deprived of their liberty",),
    ),
    Wording(
        "Protect human rights defenders and journalists and investigate all attacks against them",
        ("16.10",),
        ("Human rights defenders", "Freedom of opinion and expression & access to information"),
        ("Human rights defenders", "Media professionals & journalists"),
    ),
    Wording(
        "Ensure inclusive education for children with disabilities in mainstream schools",
        ("4.5", "4.a"),
        ("Right to education", "Rights of persons with disabilities"),
        ("Persons with disabilities", "Children"),
    ),
    Wording(
        "Ensure the accessibility of polling stations and electoral information for persons with "
        "disabilities",
        ("10.2", "16.7"),
        ("Right to participate in public affairs & right to vote", "Rights of persons with disabilities"),
        ("Persons with disabilities",),
    ),
    Wording(
        "Promote the equal participation of women in political and public life, including in decision-making "
        "positions",
        ("5.5",),
        ("Women's participation in political & public life",),
        ("Women & girls",),
    ),
    Wording(
        "Reduce maternal mortality and guarantee access to sexual and reproductive health services",
        ("3.1", "3.7", "5.6"),
        ("Sexual & reproductive health and rights", "Right to health"),
        ("Women & girls",),
    ),
    Wording(
        "Integrate human rights and the needs of vulnerable groups into climate change adaptation and "
        "disaster risk reduction plans",
        ("13.1", "11.5"),
        ("Human rights & environmental issues",),
        ("Persons living in rural areas",),
    ),
    Wording(
        "Guarantee the right to adequate food and reduce child malnutrition",
        ("2.1", "2.2"),
        ("Right to food",),
        ("Children",),
    ),
    Wording(
        "Reduce youth unemployment and support the transition of young people from school to work",
        ("8.6", "8.5"),
        ("Labour rights and right to work",),
        ("Youth",),
    ),
    Wording(
        "Establish a national mechanism for implementation, reporting and follow-up of recommendations",
        ("16.6", "17.18"),
        ("Cooperation with human rights mechanisms", "Follow-up to recommendations"),
    ),
]

TREATY_BODY_WORDINGS = [
    (
        "CEDAW",
        Wording(
            "The Committee recommends that the State party adopt temporary special measures to achieve equal "
            "representation of women in Parliament and in the judiciary.",
            ("5.5",),
            ("Women's participation in political & public life", "Discrimination against women"),
            ("Women & girls",),
        ),
    ),
    (
        "CRC",
        Wording(
            "The Committee recommends that the State party ensure that all children born in its territory "
            "are registered at birth free of charge, irrespective of their parents' status.",
            ("16.9",),
            ("Birth registration & right to a name",),
            ("Children",),
        ),
    ),
    (
        "CRPD",
        Wording(
            "The Committee recommends that the State party guarantee the right to vote of all persons with "
            "disabilities and the accessibility of the electoral process.",
            ("10.2", "16.7"),
            ("Right to participate in public affairs & right to vote", "Rights of persons with disabilities"),
            ("Persons with disabilities",),
        ),
    ),
    (
        "CESCR",
        Wording(
            "The Committee recommends that the State party strengthen vocational training and apprenticeship "
            "programmes for young people, in particular those leaving care.",
            ("8.6", "4.4"),
            ("Labour rights and right to work", "Right to education"),
            ("Youth", "Children"),
        ),
    ),
    (
        "CAT",
        Wording(
            "The Committee recommends that the State party reduce overcrowding in places of detention and "
            "ensure independent monitoring of all of them.",
            ("16.3",),
            ("Conditions of detention", "Torture and other cruel, inhuman or degrading treatment"),
            ("Persons deprived of their liberty",),
        ),
    ),
    (
        "CERD",
        Wording(
            "The Committee recommends that the State party guarantee indigenous peoples' access to justice "
            "in their own languages.",
            ("16.3", "10.2"),
            ("Racial discrimination", "Access to justice & remedy"),
            ("Indigenous peoples",),
        ),
    ),
    (
        "CCPR",
        Wording(
            "The Committee recommends that the State party ensure that human rights defenders and "
            "journalists can carry out their work without fear of reprisals.",
            ("16.10",),
            ("Human rights defenders", "Freedom of opinion and expression & access to information"),
            ("Human rights defenders",),
        ),
    ),
]

SPECIAL_PROCEDURES_WORDINGS = [
    (
        "Special Rapporteur on the right to food",
        Wording(
            "The Special Rapporteur recommends that school meal programmes be extended to all public "
            "schools.",
            ("2.1", "4.1"),
            ("Right to food", "Right to education"),
            ("Children",),
        ),
    ),
    (
        "Special Rapporteur on the human rights of migrants",
        Wording(
            "The Special Rapporteur recommends that the Government guarantee access to nationality for "
            "children born to migrant parents, to prevent statelessness.",
            ("16.9", "10.7"),
            ("Right to a nationality", "Migrants"),
            ("Migrants", "Children"),
        ),
    ),
]

# UPR: (session of the third-cycle review, its report; session of the fourth, its report). Illustrative.
UPR_REPORTS = {
    "AR": (28, "A/HRC/37/5", 42, "A/HRC/54/5"),
    "CL": (32, "A/HRC/41/6", 46, "A/HRC/55/12"),
    "CO": (30, "A/HRC/39/6", 44, "A/HRC/53/7"),
    "GE": (37, "A/HRC/47/15", 51, "A/HRC/58/10"),
    "ID": (27, "A/HRC/36/7", 41, "A/HRC/52/8"),
    "KR": (28, "A/HRC/37/11", 42, "A/HRC/54/12"),
    "NO": (33, "A/HRC/42/3", 47, "A/HRC/56/4"),
    "NZ": (32, "A/HRC/41/4", 46, "A/HRC/55/14"),
    "PE": (28, "A/HRC/37/8", 42, "A/HRC/54/9"),
    "TN": (27, "A/HRC/36/5", 41, "A/HRC/52/15"),
    "UY": (31, "A/HRC/40/7", 45, "A/HRC/55/3"),
}
ISO3 = {
    "AR": "ARG",
    "CL": "CHL",
    "CO": "COL",
    "GE": "GEO",
    "ID": "IDN",
    "KR": "KOR",
    "NO": "NOR",
    "NZ": "NZL",
    "PE": "PER",
    "TN": "TUN",
    "UY": "URY",
}
RECOMMENDING_STATES = ["Chile", "Norway", "Uruguay", "Indonesia", "Tunisia", "Peru", "Georgia", "New Zealand"]
UPR_PER_CYCLE = 9
CITATIONS_PER_STORY = 2


def _session_date(session: int) -> datetime.date:
    # Three UPR sessions a year since 2008; the report is adopted about four months after the review.
    year = 2008 + (session - 1) // 3
    return datetime.date(year, 3 + 4 * ((session - 1) % 3), 15)


def _cycle(session: int) -> int:
    return 3 if session <= 40 else 4


def demo_rows(iso: str, targets: dict[str, int], goals: dict[int, int]) -> list[dict]:
    """The demo recommendations to one state, as the importer writes them."""

    def sdg(wording: Wording) -> dict:
        target_ids = {targets[code] for code in wording.targets if code in targets}
        numbers = {int(code.split(".")[0]) for code in wording.targets}
        goal_ids = {goals[number] for number in numbers if number in goals}
        return {"target_ids": target_ids, "theme_ids": goal_ids}

    index = list(UPR_REPORTS).index(iso)
    session3, report3, session4, report4 = UPR_REPORTS[iso]
    own_name = str(countries.name(iso))
    others = [name for name in RECOMMENDING_STATES if name != own_name]
    rows = []
    for cycle_number, (session, report) in enumerate(((session3, report3), (session4, report4))):
        for n in range(UPR_PER_CYCLE):
            # Rotate through the wordings, differently for each state, so each wording reaches several.
            wording = UPR_WORDINGS[(index * 3 + cycle_number * UPR_PER_CYCLE + n) % len(UPR_WORDINGS)]
            recommender = others[(index + n) % len(others)]
            rows.append(
                {
                    "country": iso,
                    "mechanism": Mechanism.UPR,
                    "body": "UPR",
                    "symbol": report,
                    "paragraph": f"{110 + cycle_number * 10}.{n + 1}",
                    "upr_cycle": _cycle(session),
                    "session": str(session),
                    "recommending_states": [recommender],
                    "response": Response.NOTED if (index + n) % 4 == 3 else Response.SUPPORTED,
                    "published_on": _session_date(session) + datetime.timedelta(days=120),
                    "text": f"{110 + cycle_number * 10}.{n + 1} {wording.text} ({recommender});",
                    "language": "en",
                    "uhri_themes": list(wording.uhri_themes),
                    "affected_groups": list(wording.affected),
                    "is_demo": True,
                    **sdg(wording),
                }
            )
    for n in range(4):
        body, wording = TREATY_BODY_WORDINGS[(index + n) % len(TREATY_BODY_WORDINGS)]
        report_number = 5 + (index + n) % 4
        rows.append(
            {
                "country": iso,
                "mechanism": Mechanism.TREATY_BODY,
                "body": body,
                "symbol": f"{body}/C/{ISO3[iso]}/CO/{report_number}",
                "paragraph": str(20 + 2 * n),
                "published_on": datetime.date(2016 + (index + n) % 8, 3 + n, 10),
                "text": f"{20 + 2 * n}. {wording.text}",
                "language": "en",
                "uhri_themes": list(wording.uhri_themes),
                "affected_groups": list(wording.affected),
                "is_demo": True,
                **sdg(wording),
            }
        )
    mandate, wording = SPECIAL_PROCEDURES_WORDINGS[index % len(SPECIAL_PROCEDURES_WORDINGS)]
    rows.append(
        {
            "country": iso,
            "mechanism": Mechanism.SPECIAL_PROCEDURES,
            "body": mandate,
            "symbol": f"A/HRC/{43 + index % 10}/{40 + index}/Add.1",
            "paragraph": str(80 + index),
            "published_on": datetime.date(2019 + index % 5, 6, 1),
            "text": f"{80 + index}. {wording.text}",
            "language": "en",
            "uhri_themes": list(wording.uhri_themes),
            "affected_groups": list(wording.affected),
            "is_demo": True,
            **sdg(wording),
        }
    )
    return rows


def _cite_from_demo_stories() -> int:
    """Each published demo story answers up to two demo recommendations to its member, the ones closest to
    its SDGs (picked as a mission would, recorded as the stories' citations)."""
    created = 0
    stories = (
        Story.objects.published()
        .filter(member__country__in=list(UPR_REPORTS))
        .prefetch_related("themes", "citations")
        .select_related("member", "author")
    )
    for story in stories:
        if any(citation.recommendation_id for citation in story.citations.all()):
            continue  # already answers some: leave the story as its mission left it
        goals = {theme.pk for theme in story.themes.all() if theme.kind == Theme.Kind.SDG}
        candidates = list(
            Recommendation.objects.filter(is_demo=True, country=story.member.country)
            .prefetch_related("themes")
            .order_by("mechanism", "symbol", "pk")
        )
        candidates.sort(key=lambda rec: -len(goals & {theme.pk for theme in rec.themes.all()}))
        order = (story.citations.aggregate(last=Max("order"))["last"] or 0) + 1
        for rec in candidates[:CITATIONS_PER_STORY]:
            Citation.objects.create(
                story=story,
                recommendation=rec,
                mechanism=rec.mechanism,
                symbol=rec.symbol,
                paragraph=rec.paragraph,
                order=order,
                added_by=story.author,
            )
            order += 1
            created += 1
    return created


def load_recommendation_demo() -> list[Recommendation]:
    """Create the demo recommendations that do not exist yet, and cite some from the demo stories. Returns the
    recommendations created."""
    targets = dict(SdgTarget.objects.values_list("code", "pk"))
    goals = dict(Theme.objects.sdgs().values_list("sdg_number", "pk"))
    demo_states = [iso for iso in UPR_REPORTS if iso in DEMO_MEMBERS_WITH_MISSIONS]
    states = list(Member.objects.current().filter(country__in=demo_states).values_list("country", flat=True))
    before = set(Recommendation.objects.filter(is_demo=True).values_list("pk", flat=True))
    with transaction.atomic():
        rows = [row for iso in states for row in demo_rows(iso, targets, goals)]
        existing = {
            (country, symbol, paragraph)
            for country, symbol, paragraph in Recommendation.objects.filter(country__in=states).values_list(
                "country", "symbol", "paragraph"
            )
        }
        # Only what is missing: a demo row changed by hand in the admin is not put back.
        write_rows(row for row in rows if (row["country"], row["symbol"], row["paragraph"]) not in existing)
        _cite_from_demo_stories()
    return list(Recommendation.objects.filter(is_demo=True).exclude(pk__in=before).order_by("pk"))
