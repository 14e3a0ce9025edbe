"""Forms for the intake pages."""

from django import forms
from django.utils.safestring import mark_safe


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files in one upload; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [single(None, initial)]
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Feed files",
        help_text=mark_safe(  # noqa: S308 - constant text: file names are set as code
            "CSV or Parquet files named <code>&lt;feed&gt;__&lt;sender&gt;__&lt;date&gt;</code>, for example "
            "<code>apc_spells__RYJ__20261123.csv</code>. You can choose several."
        ),
        error_messages={"required": "Choose one or more feed files to load"},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        wrong = [f.name for f in files if not f.name.lower().endswith((".csv", ".parquet"))]
        if wrong:
            raise forms.ValidationError(f"Only CSV and Parquet files can be loaded, not {', '.join(wrong)}")
        return files


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("match", "Confirm match"), ("non_match", "Not a match")])


class PipelineRunForm(forms.Form):
    as_of = forms.DateField(
        label="As-of date",
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text="The date the risk model predicts from, as YYYY-MM-DD. Leave empty for today.",
        error_messages={"invalid": "Enter the as-of date as YYYY-MM-DD, for example 2026-11-30"},
    )
