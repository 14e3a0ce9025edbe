"""What several meeting page families share: who may see a series' worklists and agendas,
the meeting or worklist entry looked up for such a member, and the audit basis they are shown under."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from .. import membership
from ..models import Meeting, MeetingSeries, WorklistEntry

MEETING_BASIS = "Meeting worklist (attendee under the series' confidentiality agreement)"


def member_or_403(user, series: MeetingSeries, *, agreed: bool = True):
    if not membership.is_member(user, series):
        raise PermissionDenied(f"Only core members and attendees of {series.name} can see its worklists and agendas.")
    if agreed and not membership.has_agreed(user, series):
        raise PermissionDenied(f"Confirm the confidentiality agreement for {series.name} (on the series page) first.")


def meeting_or_404(request, meeting_id: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("series__team", "series__care_home"), pk=meeting_id)
    member_or_403(request.user, meeting.series)
    return meeting


def entry_or_404(request, entry_id: int) -> WorklistEntry:
    # Only entries of the user's own series are looked up, so a guessed id finds nothing.
    entries = WorklistEntry.objects.filter(meeting__series__in=membership.series_ids_for(request.user))
    entry = get_object_or_404(entries.select_related("meeting__series", "resident", "presenter"), pk=entry_id)
    member_or_403(request.user, entry.meeting.series)
    return entry


def to_meeting(meeting, anchor=""):
    return redirect(f"{meeting_url(meeting)}{anchor}")


def meeting_url(meeting):
    return reverse("meetings:meeting", args=[meeting.pk])
