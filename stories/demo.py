"""Demo stories for the embedded mode: written, submitted and moderated through the real services.

The texts are illustrations written for the demo, not accounts of real policies; each says so. The photos are
abstract pictures drawn here (no people, no places).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from members.models import User
from stories import services
from stories.models import Story, Theme

DEMO_NOTE = "\n\n*This is demonstration content for the portal's demo mode, not an account of a real policy.*"


@dataclass(frozen=True)
class DemoStory:
    iso: str
    title: str
    summary: str
    body: str
    year: int
    themes: tuple[str, ...]
    outcome: str = "published"  # or draft, submitted, changes_requested


DEMO_STORIES = [
    DemoStory(
        "AR",
        "Legal aid desks in every provincial court",
        "Free legal advice is now available at the entrance of each provincial court, so people can "
        "understand their case before the hearing.",
        "Desks staffed by trained paralegals answer questions in plain language.\n\n"
        "- Open every working day\n- No appointment needed\n- Referrals to a public lawyer when needed",
        2017,
        ("rule-of-law-and-good-governance", "sdg-16"),
    ),
    DemoStory(
        "CL",
        "Accessible polling stations for voters with disabilities",
        "Every polling station was reviewed for step-free access, and voters can ask for assistance from a "
        "person of their choice.",
        "Electoral staff received **practical training** and a checklist for each station.",
        2016,
        ("social-inclusion", "sdg-10", "sdg-16"),
    ),
    DemoStory(
        "CO",
        "Citizenship for children born to refugee and migrant parents",
        "Children born in the country to refugee and migrant parents receive citizenship, so that none of "
        "them grows up stateless.",
        "Registrars recognise these children as nationals at birth registration, with no extra fee.",
        2019,
        ("social-inclusion", "economic-social-and-cultural-rights", "sdg-10", "sdg-16"),
    ),
    DemoStory(
        "EU",
        "Small grants for local human rights defenders",
        "A fast, light grant scheme lets small civil society groups defending rights apply in their own "
        "language and receive support within weeks.",
        "Applications take one page. Decisions are made by a panel that includes civil society.",
        2015,
        ("civil-society-and-human-rights-defenders", "sdg-16", "sdg-17"),
    ),
    DemoStory(
        "ID",
        "Village midwives trained in every district",
        "Trained midwives now serve remote villages, bringing care before, during and after birth closer to "
        "mothers.",
        "Each midwife is linked to the nearest health centre for referrals and supplies.",
        2014,
        ("gender-equality", "sdg-3", "sdg-5"),
    ),
    DemoStory(
        "KR",
        "Sign language recognised as an official language",
        "A law recognises the national sign language, and public services must offer interpretation on "
        "request.",
        "Public broadcasters add interpretation to news programmes, and schools teach in sign language.",
        2016,
        ("social-inclusion", "sdg-4", "sdg-10"),
    ),
    DemoStory(
        "NO",
        "Equal pay reporting for large employers",
        "Large employers publish the pay gap between women and men each year, with a plan to close it.",
        "Reports are public and comparable, so employees and unions can follow progress.",
        2019,
        ("gender-equality", "sdg-5", "sdg-8"),
    ),
    DemoStory(
        "NZ",
        "Climate resilience plans drawn up with coastal communities",
        "Coastal communities plan their own adaptation to rising seas, with public funding and scientific "
        "support.",
        "Residents, including indigenous communities, take part in every step of the plan.",
        2020,
        ("resilience", "sustainable-development", "sdg-13", "sdg-11"),
    ),
    DemoStory(
        "TN",
        "Free school meals in rural primary schools",
        "Primary schools in rural areas serve a free daily meal, which keeps children, girls especially, in "
        "school.",
        "Meals are prepared with produce from local farmers.",
        2018,
        ("economic-social-and-cultural-rights", "sdg-2", "sdg-4"),
    ),
    DemoStory(
        "GE",
        "One-stop public service halls",
        "Citizens obtain most public documents in a single hall, in minutes, with clear prices.",
        "Staff are trained to serve everyone equally.",
        2012,
        ("rule-of-law-and-good-governance", "sdg-16"),
    ),
    DemoStory(
        "PE",
        "Bilingual education in indigenous languages",
        "Children from indigenous communities learn to read and write in their own language and in Spanish.",
        "Teachers are recruited from the communities and trained in bilingual teaching.",
        2013,
        ("social-inclusion", "sdg-4", "sdg-10"),
    ),
    DemoStory(
        "UY",
        "A national care system for older people and children",
        "A national system organises and funds care, recognising the unpaid work that falls mostly on women.",
        "Carers are trained and paid; families can ask for support in one place.",
        2015,
        ("gender-equality", "social-justice", "sdg-5", "sdg-8"),
    ),
    DemoStory(
        "AR",
        "Sign-language interpreters in hospital emergency rooms",
        "A draft still being written by the mission.",
        "",
        2021,
        ("social-inclusion",),
        outcome="draft",
    ),
    DemoStory(
        "CL",
        "Public defenders for migrants in detention",
        "Every migrant held in administrative detention meets a public defender within a day.",
        "Defenders explain the procedure in a language the person understands.",
        2018,
        ("rule-of-law-and-good-governance", "sdg-16"),
        outcome="submitted",
    ),
    DemoStory(
        "NO",
        "Apprenticeships for young people leaving care",
        "Young people leaving state care get a guaranteed apprenticeship offer.",
        "Employers receive support for mentoring.",
        2017,
        ("social-inclusion", "sdg-8"),
        outcome="changes_requested",
    ),
]


def demo_picture(seed: str, width: int = 1600, height: int = 1000) -> SimpleUploadedFile:
    """An abstract picture: a gradient and a few shapes, different for each story."""
    rng = random.Random(seed)  # noqa: S311 - decoration, not security
    top = tuple(rng.randint(20, 120) for _ in range(3))
    bottom = tuple(rng.randint(120, 240) for _ in range(3))
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        colour = tuple(int(t + (b - t) * mix) for t, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(6):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(60, 260)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=rng.randint(4, 14))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _writer_for(iso: str) -> User | None:
    return (
        User.objects.filter(mission__member__country=iso, role=User.Role.STAFF, is_active=True)
        .select_related("mission")
        .order_by("mission__kind", "pk")
        .first()
    )


def load_story_demo(*, secretariat: User) -> list[Story]:
    """Create the demo stories that do not exist yet, each through the same services the site uses."""
    created = []
    for demo in DEMO_STORIES:
        writer = _writer_for(demo.iso)
        if writer is None or Story.objects.filter(title=demo.title, member__country=demo.iso).exists():
            continue
        with transaction.atomic():
            pending = services.pending_upload_create(owner=writer, upload=demo_picture(demo.title))
            story = services.story_save(
                story=Story(
                    member_id=writer.mission.member_id,
                    title=demo.title,
                    summary=demo.summary,
                    body=demo.body + DEMO_NOTE if demo.body else "",
                    policy_year=demo.year,
                    language="en",
                ),
                actor=writer,
                expected_version=None,
                themes=Theme.objects.filter(code__in=demo.themes),
                images=[
                    services.ImageData(
                        pending_id=pending.pk,
                        alt_text="An abstract illustration in soft colours (demo picture)",
                        caption="Illustration",
                        credit="Demo picture",
                        consent_confirmed=True,
                    )
                ],
            )
        if demo.outcome != "draft":
            services.story_submit(story_id=story.pk, actor=writer)
        if demo.outcome == "published":
            services.story_approve(story_id=story.pk, actor=secretariat)
        elif demo.outcome == "changes_requested":
            services.story_request_changes(
                story_id=story.pk,
                actor=secretariat,
                comment="Could you add how many young people have taken part so far?",
            )
        created.append(story)
    return created
