from django.conf import settings

from . import heartbeat
from .navigation import sections_for


def asset_path() -> str:
    """Where the NHS.UK template finds its icons: a folder, not a file, so it is not in the
    hashed-names manifest production uses (``static()`` refuses it there and every page failed);
    collectstatic keeps the unhashed originals, which whitenoise serves under this prefix."""
    return settings.STATIC_URL.rstrip("/") + "/vendor/nhsuk-frontend/assets"


def shell(request) -> dict:
    return {
        "neighbourhood_name": settings.NEIGHBOURHOOD_NAME,
        "navigation": sections_for(request.user, request.path),
        # The NHS.UK page template reads these two names for its nonce'd script and icons.
        "cspNonce": str(getattr(request, "csp_nonce", "")),
        "assetPath": asset_path(),
        "is_demo": getattr(settings, "OCTOPUS_DEMO", False),
        # Signed-in pages only: the sign-in page must not spend a query on it.
        "task_worker_down": request.user.is_authenticated and heartbeat.task_worker_down(),
    }
