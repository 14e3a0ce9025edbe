"""Forms for searching and editing the directory, rendered with the NHS.UK macros (core/forms.jinja)."""

from django import forms

from .models import (
    Heart,
    Neighbourhood,
    Organisation,
    Practitioner,
    Service,
    TaxonomyTerm,
    Team,
    Tier,
)

KIND_CHOICES = [
    ("all", "Everything"),
    ("services", "Services"),
    ("people", "People"),
    ("teams", "Teams"),
    ("organisations", "Organisations"),
]


def _blank(label: str, choices) -> list:
    return [("", label), *choices]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search people, teams and services",
        required=False,
        max_length=200,
        help_text="For example, 'debt advice near W2', a person's name or a role.",
    )
    kind = forms.ChoiceField(label="Show", choices=KIND_CHOICES, required=False)
    heart = forms.ChoiceField(label="Heart", choices=_blank("Any heart", Heart.choices), required=False)
    tier = forms.ChoiceField(label="Tier", choices=_blank("Any tier", Tier.choices), required=False)
    job_title = forms.ChoiceField(label="Role", required=False)
    neighbourhood = forms.ChoiceField(label="Neighbourhood", required=False)
    taxonomy = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        titles = (
            Practitioner.objects.filter(active=True)
            .order_by("job_title")
            .values_list("job_title", flat=True)
            .distinct()
        )
        self.fields["job_title"].choices = _blank("Any role", [(t, t) for t in titles])
        self.fields["neighbourhood"].choices = _blank(
            "Any neighbourhood", Neighbourhood.objects.values_list("slug", "name")
        )
        self.fields["taxonomy"].choices = _blank("Any category", TaxonomyTerm.objects.values_list("code", "name"))

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name, "") for name in ("heart", "tier", "job_title", "neighbourhood", "taxonomy")}


def _web_address(label: str) -> forms.URLField:
    # Django 6 will assume https for scheme-less addresses; say so now rather than rely on the default.
    return forms.URLField(label=label, required=False, assume_scheme="https", max_length=200)


class OrganisationForm(forms.ModelForm):
    website = _web_address("Website")

    class Meta:
        model = Organisation
        fields = ["name", "heart", "ods_code", "charity_number", "website", "email", "description"]
        widgets = {"heart": forms.RadioSelect}


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "organisation",
            "name",
            "tier",
            "description",
            "neighbourhoods",
            "hours",
            "contact_route",
            "phone",
            "email",
            "accepts_referrals",
            "never_declines",
        ]
        widgets = {"tier": forms.RadioSelect, "neighbourhoods": forms.CheckboxSelectMultiple}


class PractitionerForm(forms.ModelForm):
    class Meta:
        model = Practitioner
        fields = ["given_name", "family_name", "job_title", "team", "phone", "email", "availability", "active"]


class ServiceForm(forms.ModelForm):
    url = _web_address("Web page")

    class Meta:
        model = Service
        fields = [
            "organisation",
            "team",
            "name",
            "description",
            "status",
            "taxonomy_terms",
            "neighbourhoods",
            "locations",
            "contacts",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "application_process",
            "hours",
            "capacity",
            "first_contact_days",
            "url",
            "email",
            "phone",
            "is_community_asset",
        ]
        widgets = {
            "taxonomy_terms": forms.CheckboxSelectMultiple,
            "neighbourhoods": forms.CheckboxSelectMultiple,
            "locations": forms.CheckboxSelectMultiple,
            "contacts": forms.CheckboxSelectMultiple,
        }

    def clean(self):
        data = super().clean()
        team, organisation = data.get("team"), data.get("organisation")
        if team and organisation and team.organisation_id != organisation.pk:
            self.add_error(
                "team",
                f"{team.name} belongs to {team.organisation.name}, not {organisation.name}. Choose one of "
                f"{organisation.name}'s teams.",
            )
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", "Maximum age must be the same as or more than the minimum age.")
        return data
