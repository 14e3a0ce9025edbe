"""The Jinja2 environment for Octopus pages, with the NHS.UK frontend macros on the path."""

import jinja2
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import json_script

from . import formatting
from .forms import component_for, error_list, field_params


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> jinja2.Environment:
    options["loader"] = jinja2.ChoiceLoader([options["loader"], jinja2.PackageLoader("nhsuk_frontend_jinja")])
    # nhsuk-frontend-jinja reads nested optional parameters (params.x.y), which needs
    # ChainableUndefined; a StrictUndefined would break the design-system macros.
    options["undefined"] = jinja2.ChainableUndefined
    env = jinja2.Environment(**options)
    env.globals.update(
        static=static,
        url=url,
        get_messages=messages.get_messages,
        now=timezone.now,
        component_for=component_for,
        field_params=field_params,
        error_list=error_list,
    )
    env.filters.update(formatting.FILTERS)
    # Data for scripts as <script type="application/json">, escaped for HTML (charts).
    env.filters["json_script"] = json_script
    return env
