from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared kernel: money, periods, errors, scope, audit, background jobs."""

    name = "attain.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from attain.core import jobs  # noqa: F401 - connects the job-progress signal receivers in every process
