"""Forms of the sales web pages: the quick activity log (mobile first) and collection entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import ActivityKind, ActivityOutcome

BIG = {"class": "form-control form-control-lg"}
BIG_SELECT = {"class": "form-select form-select-lg"}


class ActivityForm(forms.Form):
    """Logging a visit from a phone: kind and customer are all that is needed; date defaults to today."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.VISIT, widget=forms.Select(attrs=BIG_SELECT)
    )
    customer = forms.TypedChoiceField(
        label=_("Customer"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=BIG_SELECT)
    )
    occurred_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={**BIG, "type": "date"})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", "—"), *ActivityOutcome.choices],
        widget=forms.Select(attrs=BIG_SELECT),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=0,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={**BIG, "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={**BIG, "rows": 2})
    )

    def __init__(self, *args: Any, customers: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer_field = self.fields["customer"]
        assert isinstance(customer_field, forms.TypedChoiceField)
        customer_field.choices = [("", "—"), *(customers or [])]
        self.fields["occurred_on"].initial = timezone.localdate()


class CollectionForm(forms.Form):
    """Money received against an order: order number, amount, date (today by default)."""

    order_no = forms.CharField(label=_("Order number"), max_length=128, widget=forms.TextInput(attrs=BIG))
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={**BIG, "inputmode": "decimal", "step": "0.01"}),
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={**BIG, "type": "date"})
    )
    reference = forms.CharField(
        label=_("Payment reference"), required=False, max_length=100, widget=forms.TextInput(attrs=BIG)
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.TextInput(attrs=BIG))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
