from django import forms
from django.contrib.auth.password_validation import validate_password

from octopus.directory.models import Team

from .models import Membership, User
from .roles import catalogue


class NewUserForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    team = forms.ModelChoiceField(queryset=Team.objects.select_related("organisation"))
    role = forms.ChoiceField(choices=catalogue().choices)
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 12 characters.")

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            try:
                validate_password(cleaned["password"], User(username=cleaned.get("username", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["team", "role"]
