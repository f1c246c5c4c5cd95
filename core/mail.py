"""Mail built from templates: `<template>.txt` for the text part and `<template>.html` for the HTML part,
rendered in one language, so a worker and a request build the same message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def templated_mail(
    *,
    template: str,
    subject: str = "",
    to: Sequence[str],
    context: dict,
    language: str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    """The message for `template` (without its ending), rendered in `language` (the site's default when
    not given). Without a `subject`, it is rendered from `<template>_subject.txt`. The subject is folded onto
    one line: a template's line breaks must not reach the header."""
    with translation.override(language or settings.LANGUAGE_CODE):
        if not subject:
            subject = render_to_string(f"{template}_subject.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(str(subject).split()),
            body=render_to_string(f"{template}.txt", context),
            to=list(to),
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def site_link(path: str) -> str:
    """An absolute link for a mail: mails are read outside any request, so links come from SITE_URL."""
    return f"{settings.SITE_URL}{path}"
