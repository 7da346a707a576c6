from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, roles, data scope, API tokens and login security."""

    name = "attain.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
