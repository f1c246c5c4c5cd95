from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Reprisals registry")
    # Deliberately not in the audit trail (AUDITLOG_INCLUDE_TRACKING_MODELS) and not in the admin: the
    # registry keeps its own history (CaseEvent) and its own log of every read of an identity (IdentityRead).
