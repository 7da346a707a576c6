from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """The facts Attain measures: customers, products, deals, orders, collections, activities, feedback."""

    name = "attain.sales"
    label = "sales"
    verbose_name = _("Sales facts")
