from django.conf import settings
from django.templatetags.static import static

from . import heartbeat
from .navigation import sections_for


def shell(request) -> dict:
    return {
        "neighbourhood_name": settings.NEIGHBOURHOOD_NAME,
        "navigation": sections_for(request.user, request.path),
        # The NHS.UK page template reads these two names for its nonce'd script and icons.
        "cspNonce": str(getattr(request, "csp_nonce", "")),
        "assetPath": static("vendor/nhsuk-frontend/assets"),
        "is_demo": getattr(settings, "OCTOPUS_DEMO", False),
        # Signed-in pages only: the sign-in page must not spend a query on it.
        "task_worker_down": request.user.is_authenticated and heartbeat.task_worker_down(),
    }
