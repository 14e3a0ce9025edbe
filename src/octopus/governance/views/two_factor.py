"""Two-factor authentication: setting up an authenticator app, and verifying its code at sign-in."""

import base64
import io

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import audit
from .common import safe_next


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name="Authenticator app", confirmed=False
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, device)
            audit.record_request(request, "change", "Set up a second factor (authenticator app)")
            messages.success(request, "Your authenticator app is set up.")
            return redirect(safe_next(request) or "home")
        error = "That code did not match. Check the time on your phone is correct and enter the newest code."
    return render(
        request,
        "governance/two_factor_setup.jinja",
        {
            "qr": _qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "error": error,
            "next": safe_next(request) or "",
        },
    )


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(safe_next(request) or "home")
        audit.record_request(request, "sign_in_failed", "Wrong second-factor code")
        error = "That code did not match. Enter the newest code from your authenticator app."
    return render(request, "governance/two_factor_verify.jinja", {"error": error, "next": safe_next(request) or ""})
