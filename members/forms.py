from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from members import services
from members.languages import language_choices
from members.models import Mission, User, normalize_email


class InvitationAcceptForm(SetPasswordForm):
    """Choose a password for an invited account."""


class RoleFormMixin:
    """Role and mission go together: the secretariat has no mission, everyone else has one.

    Admin access follows the role, so it is set here rather than ticked by hand.
    """

    def clean(self) -> dict:
        cleaned = super().clean()
        role, mission = cleaned.get("role"), cleaned.get("mission")
        if role == User.Role.SECRETARIAT and mission is not None:
            self.add_error(
                "mission",
                forms.ValidationError(
                    _("The secretariat belongs to no mission; leave this empty."), code="mission_not_allowed"
                ),
            )
        elif role in (User.Role.STAFF, User.Role.COORDINATOR) and mission is None:
            self.add_error(
                "mission",
                forms.ValidationError(
                    _("Choose the mission this person works for."), code="mission_required"
                ),
            )
        return cleaned

    def _post_clean(self) -> None:
        if "role" in self.cleaned_data:
            self.instance.is_staff = self.cleaned_data["role"] == User.Role.SECRETARIAT
        super()._post_clean()


class InviteUserForm(RoleFormMixin, forms.ModelForm):
    """The admin's "add user" form: the person gets an email to set their own password."""

    class Meta:
        model = User
        fields = ["email", "full_name", "language", "role", "mission"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mission"].queryset = Mission.objects.select_related("member")

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            raise forms.ValidationError(
                _("An account with this email address already exists (%(name)s). Edit that account instead."),
                code="email_taken",
                params={"name": existing},
            )
        return email


class UserChangeForm(RoleFormMixin, forms.ModelForm):
    """The admin's user form. It checks role, mission and active flag, but only name and address are saved
    from the instance it builds; the other three go to `services.user_change_access` (`access_changes`)."""

    ACCESS_FIELDS = ("role", "mission", "is_active")
    # The person making the change; the admin sets it on the form class it builds for each request.
    actor: User | None = None

    class Meta:
        model = User
        fields = ["email", "full_name", "language", "role", "mission", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "mission" in self.fields:
            self.fields["mission"].queryset = Mission.objects.select_related("member")

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.actor is not None and "role" in cleaned and "is_active" in cleaned:
            try:
                services.check_own_access_kept(
                    user=self.instance, actor=self.actor, role=cleaned["role"], is_active=cleaned["is_active"]
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def access_changes(self) -> dict:
        """What to pass to `services.user_change_access`."""
        return {name: self.cleaned_data[name] for name in self.ACCESS_FIELDS if name in self.cleaned_data}


class LanguageSelect(forms.Select):
    """Each option marked with its own language, so a screen reader pronounces "français" as French."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None) -> dict:
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            option["attrs"]["lang"] = value
        return option


class LanguageForm(forms.Form):
    """A person's own choice of language, on their page."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        widget=LanguageSelect,
        help_text=_("The language of the portal after you log in and of the mail you receive."),
    )
