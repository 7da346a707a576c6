from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """The organisation tree, people and their effective-dated memberships."""

    name = "attain.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from attain.core.scope import register_resolver
        from attain.org.selectors import data_scope_resolve

        register_resolver(data_scope_resolve)
