"""Turns Django bound fields into the parameters the NHS.UK frontend macros expect.

Templates call ``{{ form_field(form["name"]) }}`` (see forms.jinja); this module keeps the
mapping from Django widgets to design-system components in one testable place.
"""

from django import forms


def component_for(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.DateInput) or isinstance(bound_field.field, forms.DateField):
        return "date"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    return "input"


def _input_type(bound_field) -> str:
    widget = bound_field.field.widget
    return getattr(widget, "input_type", "text") or "text"


def field_params(bound_field, **overrides) -> dict:
    """Parameters common to every component: id, name, label, hint and error message."""
    field = bound_field.field
    errors = bound_field.errors
    value = bound_field.value()
    params = {
        "id": bound_field.id_for_label or bound_field.auto_id,
        "name": bound_field.html_name,
        "label": {"text": bound_field.label},
        "hint": {"text": field.help_text} if field.help_text else None,
        "errorMessage": {"text": " ".join(errors)} if errors else None,
        "value": "" if value is None else value,
        "type": _input_type(bound_field),
        "attributes": {"required": "required"} if field.required else {},
        "classes": bound_field.field.widget.attrs.get("class", ""),
        "autocomplete": bound_field.field.widget.attrs.get("autocomplete"),
    }
    if component_for(bound_field) in {"select", "radios", "checkboxes"}:
        selected = value if isinstance(value, list | tuple) else [value]
        selected = {str(v) for v in selected if v not in (None, "")}
        key = "selected" if component_for(bound_field) == "select" else "checked"
        params["items"] = [
            {"value": str(choice_value), "text": str(choice_label), key: str(choice_value) in selected}
            for choice_value, choice_label in field.choices
        ]
        if component_for(bound_field) != "select":
            params["fieldset"] = {"legend": {"text": bound_field.label, "size": "s"}}
            params["idPrefix"] = params["id"]
    if component_for(bound_field) == "checkbox":
        params["items"] = [{"value": "on", "text": bound_field.label, "checked": bool(value)}]
        params["idPrefix"] = params["id"]
    params.update(overrides)
    return params


def error_list(form) -> list[dict]:
    """Items for the NHS.UK error summary: each links to the field at fault."""
    items = []
    for name, errors in form.errors.items():
        href = f"#{form[name].id_for_label or form[name].auto_id}" if name in form.fields else "#"
        for error in errors:
            items.append({"text": error, "href": href})
    return items


def apply_service_errors(form, error, fields: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` beside the form fields it concerns.

    A field the form does not have (or a message without a field) goes to the error summary;
    ``fields`` renames a service's field to the form's where the two differ.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (fields or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
