"""Forms of the org web pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from attain.org.models import Unit

ENCODING_CHOICES = [
    ("", _("Detect automatically")),
    ("utf-8-sig", "UTF-8"),
    ("gb18030", "GB18030 / GBK"),
    ("big5", "Big5"),
]


class AsOfForm(forms.Form):
    """The date the organisation is shown as of."""

    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )


class PersonFilterForm(forms.Form):
    """The people list filter (the same parameters the API's ``/people`` takes)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Name, employee number or email")}),
    )
    unit = forms.TypedChoiceField(
        label=_("Org unit"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on = forms.DateField(
        label=_("On"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: object, units: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = [("", _("All units")), *(units or [])]


class ImportForm(forms.Form):
    """Upload an org file to check (nothing is written until the preview is confirmed)."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx workbook (sheets Units, People, Memberships), a .csv file or a .zip of CSVs."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv,.zip"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"),
        choices=ENCODING_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ImportCommitForm(forms.Form):
    """Confirm the import of a previewed upload."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class UnitChoiceField(forms.ModelChoiceField):
    """Units indented by depth, so the select reads like the tree."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{'· ' * obj.depth}{obj.name} ({obj.code})"


class TransferForm(forms.Form):
    """Move a person to another unit from a date (their current membership ends the day before)."""

    to_unit = UnitChoiceField(
        label=_("To unit"), queryset=Unit.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    on = forms.DateField(
        label=_("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units
