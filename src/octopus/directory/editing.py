"""Adding and changing directory entries through Octopus's own forms; every change is audited."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.governance import audit

from .forms import OrganisationForm, PractitionerForm, ServiceForm, TeamForm

# URL kind → (form, noun used on the page)
EDITABLE = {
    "organisation": (OrganisationForm, "organisation"),
    "team": (TeamForm, "team"),
    "practitioner": (PractitionerForm, "person"),
    "service": (ServiceForm, "service"),
}


def _editable(kind: str):
    if kind not in EDITABLE:
        raise Http404(f"Directory entries of kind {kind!r} cannot be edited here.")
    return EDITABLE[kind]


def _save(request, form, action: str, noun: str):
    entry = form.save()
    audit.record(
        request.user,
        action,
        f"{'Added' if action == 'create' else 'Changed'} directory {noun} {entry}",
        obj=entry,
        path=request.path,
    )
    messages.success(request, f"Saved {entry}.")
    return redirect(entry.get_absolute_url())


@require("edit_directory")
@require_http_methods(["GET", "POST"])
def create(request, kind: str):
    form_class, noun = _editable(kind)
    form = form_class(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        return _save(request, form, "create", noun)
    return render(request, "directory/edit.jinja", {"form": form, "title": f"Add a {noun}", "cancel": "/directory/"})


@require("edit_directory")
@require_http_methods(["GET", "POST"])
def change(request, kind: str, pk: int):
    form_class, noun = _editable(kind)
    entry = get_object_or_404(form_class._meta.model, pk=pk)
    form = form_class(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, "change", noun)
    return render(
        request, "directory/edit.jinja", {"form": form, "title": f"Change {entry}", "cancel": entry.get_absolute_url()}
    )
