from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo company: believable data for trying Attain, built only through the domains' services."""

    name = "attain.demo"
    label = "demo"
    verbose_name = _("Demo data")
