"""The task inbox: a user's open tasks, and marking one done."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.governance import audit

from .. import queries, services


@require_http_methods(["GET"])
@require("view_residents")
def inbox(request):
    context = queries.inbox(request.user)
    audit.record(request.user, "view", "Viewed task inbox", path=request.path)
    return render(request, "care/inbox.jinja", context)


@require_POST
@require("view_residents")
def task_done(request, task_id: int):
    task = get_object_or_404(request.user.tasks, pk=task_id)
    services.complete_task(task, request.user, path=request.path)
    messages.info(request, f"Done: {task.title}")
    return redirect("care:inbox")
