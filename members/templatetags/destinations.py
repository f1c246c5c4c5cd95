from django import template

from members.destinations import destination_after_mfa_setup

register = template.Library()


@register.simple_tag(takes_context=True)
def after_mfa_setup_url(context) -> str:
    """Where the person was going before setting up two-factor authentication (a safe URL), or ""."""
    request = context.get("request")
    return destination_after_mfa_setup(request) if request is not None else ""
