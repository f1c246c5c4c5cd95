"""Mail built from templates: `<template>.txt` for the text part and `<template>.html` for the HTML part,
rendered in one language, so a worker and a request build the same message.

Every mail is in its recipient's language: a message to several people goes out as one mail per language
(`group_by_language`), each built inside `translation.override(language)` so that its subject, its text and
its links (`site_link` of a path reversed in that language, which carries the language's URL prefix) agree.
`send_once` sends an event's mails so that a retry sends only those still owed."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


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
    one line (`one_line`): a template's line breaks must not reach the header."""
    with translation.override(mail_language(language)):
        if not subject:
            subject = render_to_string(f"{template}_subject.txt", context)
        message = EmailMultiAlternatives(
            subject=one_line(str(subject)),
            body=render_to_string(f"{template}.txt", context),
            to=list(to),
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def one_line(text: str) -> str:
    """Line breaks, with the spaces around them, become one space. Other spaces stay, among them the
    no-break spaces of French typography ("Invitation\u00a0: ...")."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def mail_language(language: str | None) -> str:
    """`language` if the site offers it, else the site's default (an empty or retired preference)."""
    offered = {code for code, _name in settings.LANGUAGES}
    return language if language in offered else settings.LANGUAGE_CODE


def group_by_language(pairs: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """`[(address, language), ...]` as `{language: [address, ...]}`, for one mail per language. An address
    given twice (in any case) keeps the language it was first given with; languages and addresses come
    sorted, so every run builds the same mails in the same order."""
    chosen: dict[str, tuple[str, str]] = {}
    for address, language in pairs:
        chosen.setdefault(address.lower(), (address, mail_language(language)))
    groups: dict[str, list[str]] = {}
    for address, language in chosen.values():
        groups.setdefault(language, []).append(address)
    return {language: sorted(groups[language]) for language in sorted(groups)}


def site_link(path: str) -> str:
    """An absolute link for a mail: mails are read outside any request, so links come from SITE_URL."""
    return f"{settings.SITE_URL}{path}"


class NotifiedEvent(Protocol):
    """A history row whose mails go out once: the keys whose mail left, and when all had."""

    notified_at: datetime.datetime | None
    notified_languages: list[str]

    def save(self, *, update_fields: Iterable[str]) -> None: ...


def send_once(
    *,
    event: NotifiedEvent,
    mails: Mapping[str, EmailMessage | Callable[[], EmailMessage]],
) -> Exception | None:
    """Send the mails of `event` that are still owed, keyed by language (or audience and language), and save
    the event: a key already in `notified_languages` is skipped, a key whose mail left is added to it, and
    `notified_at` is set when none failed. The caller holds the event's lock. A mail given as a function is
    built just before it leaves.

    A failed send does not stop the others: the first failure is returned, for the caller to raise after
    commit, so the keys sent stay recorded and a retry sends only what is owed."""
    failure: Exception | None = None
    for key, mail in mails.items():
        if key in event.notified_languages:
            continue
        message = mail() if callable(mail) else mail
        try:
            message.send()
        except Exception as error:  # the mail server refused or did not answer: retried later
            failure = failure or error
        else:
            event.notified_languages = [*event.notified_languages, key]
    if failure is None:
        event.notified_at = timezone.now()
    event.save(update_fields=["notified_at", "notified_languages"])
    return failure
