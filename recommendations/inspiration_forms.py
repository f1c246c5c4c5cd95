"""Forms of the "inspired by" pages: finding the inspiring story, proposing the link, deciding on it, and
the filters of /replication/."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from stories.filters import sdg_choices, theme_choices


class SourceSearchForm(forms.Form):
    """Published stories of other members, by words of their title and by member (a GET form)."""

    q = forms.CharField(
        label=_("Words in the title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    member = forms.ChoiceField(label=_("Member"), required=False)

    def __init__(self, data=None, *, exclude_member_id: int, **kwargs) -> None:
        super().__init__(data, **kwargs)
        members = Member.objects.public().exclude(pk=exclude_member_id).sorted_by_name()
        self.fields["member"].choices = [("", _("Any other member"))] + [
            (member.iso.lower(), member.name) for member in members
        ]

    def value(self, name: str) -> str:
        """The valid value of a field, empty when it was not given or not valid (then it is ignored)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""


def meeting_label(meeting) -> str:
    day = formats.date_format(timezone.localtime(meeting.starts_at, meeting.tz).date(), "DATE_FORMAT")
    return f"{meeting.title} ({day})"


class InspirationForm(forms.Form):
    """The story chosen (a radio button among those listed), maybe a meeting, and a note."""

    source = forms.IntegerField(
        label=_("The story that inspired yours"),
        min_value=1,
        error_messages={
            "required": _("Choose the story that inspired yours."),
            "invalid": _("Choose the story that inspired yours."),
            "min_value": _("Choose the story that inspired yours."),
        },
    )
    meeting = forms.TypedChoiceField(
        label=_("Meeting where you saw it presented (optional)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only meetings where one of the stories listed above was presented can be chosen."),
    )
    note = forms.CharField(
        label=_("How it inspired your story (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The other member's coordinator reads this before confirming. At most 1,000 characters."),
    )

    def __init__(self, data=None, *, meetings: Iterable = (), **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["meeting"].choices = [("", _("No meeting"))] + [
            (meeting.pk, meeting_label(meeting)) for meeting in meetings
        ]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the member that proposed the link. At most 2,000 characters."),
    )


class ReplicationFilterForm(forms.Form):
    """/replication/'s filters; each applies to either side of a link."""

    theme = forms.ChoiceField(label=_("Theme"), required=False)
    sdg = forms.ChoiceField(label=_("SDG"), required=False)
    region = forms.ChoiceField(label=_("UN regional group"), required=False)

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["theme"].choices = [("", _("Any theme")), *theme_choices()]
        self.fields["sdg"].choices = [("", _("Any SDG")), *sdg_choices()]
        self.fields["region"].choices = [("", _("Any region")), *Member.RegionalGroup.choices]

    def values(self) -> dict[str, str]:
        """The filters that can be used; a value not on offer is left out (and named in `ignored`)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def ignored(self) -> list[str]:
        if not self.is_bound:
            return []
        self.is_valid()
        return [str(self.fields[name].label) for name in self.errors]
