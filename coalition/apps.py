from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoalitionConfig(AppConfig):
    default = True
    name = "coalition"
    verbose_name = _("Good Stories portal")

    def ready(self) -> None:
        from coalition import checks  # noqa: F401 - registers the deployment checks


class CoalitionAdminConfig(admin_apps.AdminConfig):
    """The admin, with the secretariat's site (allauth login, MFA required) as the default site."""

    default = False
    default_site = "coalition.admin.CoalitionAdminSite"
