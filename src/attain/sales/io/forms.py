"""Forms of the import wizard: upload (kind, file, profile, encoding) and the column map."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from attain.sales.io.fields import SPECS, KindSpec
from attain.sales.io.profiles import profile_list

ENCODING_CHOICES = [
    ("", _("Detect automatically")),
    ("utf-8-sig", "UTF-8"),
    ("gb18030", "GB18030 / GBK"),
    ("big5", "Big5"),
]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def kind_choices(kinds: list[str] | None = None) -> list[tuple[str, str]]:
    return [(kind, str(spec.label)) for kind, spec in SPECS.items() if kinds is None or kind in kinds]


class UploadForm(forms.Form):
    """Step 1: what the file holds, the file, an optional mapping profile and the text encoding."""

    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv or .xlsx file; the first sheet of a workbook is read."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx,.xls,.txt"}),
    )
    profile = forms.ChoiceField(
        label=_("Column mapping profile"),
        required=False,
        help_text=_("Optional: a saved or built-in profile for a CRM export. Columns are otherwise matched by name."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"),
        choices=ENCODING_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = kind_choices(kinds)
        profile_field = self.fields["profile"]
        assert isinstance(profile_field, forms.ChoiceField)
        options: list[tuple[str, Any]] = [("", _("None: match columns by name"))]
        for kind, spec in SPECS.items():
            if kinds is not None and kind not in kinds:
                continue
            options += [
                (f"{kind}:{profile.name}", f"{spec.label}: {profile.name}") for profile in profile_list(kind=kind)
            ]
        profile_field.choices = options

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; use the command line for big files."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        profile = data.get("profile") or ""
        kind = data.get("kind")
        if profile and kind and not profile.startswith(f"{kind}:"):
            self.add_error("profile", _("This profile is for another kind of file."))
        data["profile_name"] = profile.partition(":")[2] if profile else ""
        return data


class MappingForm(forms.Form):
    """Step 2: one select per canonical field, listing the file's headers; optionally save as a profile."""

    save_as = forms.CharField(
        label=_("Save this mapping as a profile"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Profile name (optional)")}),
    )

    def __init__(self, *args: Any, spec: KindSpec, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        choices = [("", _("(not in the file)"))] + [(header, header) for header in headers if header]
        for item in spec.fields:
            self.fields[f"map_{item.key}"] = forms.ChoiceField(
                label=str(item.label),
                required=item.required,
                choices=choices,
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-field": item.key}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for item in self.spec.fields:
            header = data.get(f"map_{item.key}")
            if not header:
                continue
            if header in seen:
                self.add_error(
                    f"map_{item.key}",
                    _("The column “%(header)s” is already mapped to %(field)s.")
                    % {"header": header, "field": seen[header]},
                )
            seen[header] = str(item.label)
        return data

    @property
    def mapping(self) -> dict[str, str]:
        return {
            item.key: self.cleaned_data[f"map_{item.key}"]
            for item in self.spec.fields
            if self.cleaned_data.get(f"map_{item.key}")
        }

    def rows(self) -> list[tuple[Any, Any]]:
        """(field spec, bound field) pairs for the template."""
        return [(item, self[f"map_{item.key}"]) for item in self.spec.fields]
