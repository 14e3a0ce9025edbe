"""The real URLs plus one view that fails with an NHS number in its error (for the 500 test)."""

from django.urls import path

from octopus.urls import handler403, handler404, handler500  # noqa: F401
from octopus.urls import urlpatterns as real


def boom(request):
    raise RuntimeError("Could not link resident 943 476 5919 at W2 1NY")


urlpatterns = [path("boom/", boom), *real]
