"""What an edit changes: the editable fields of an application, compared field by field.

Used for the audit trail's before/after and for the conflict screen when two people
edit the same application.
"""

from typing import Any

EDITABLE = ("name", "description", "scopes", "redirect_uris", "cors_origins")
LABELS = {
    "name": "Name",
    "description": "Description",
    "scopes": "Scopes",
    "redirect_uris": "Redirect URIs",
    "cors_origins": "CORS origins",
}


def editable_values(source: Any) -> dict[str, Any]:
    """The editable fields of an application, or of an update request, as plain JSON."""
    data = source if isinstance(source, dict) else source.model_dump(mode="json")
    values = {}
    for name in EDITABLE:
        if name not in data or data[name] is None and name != "description":
            continue
        value = data[name]
        if name == "description":
            value = value or None
        if name == "redirect_uris":
            value = [
                {"uri": entry["uri"], "default": bool(entry.get("default"))} for entry in value
            ]
        values[name] = value
    return values


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": ..., "after": ...}} for every field whose value differs."""
    return {
        name: {"before": before.get(name), "after": after[name]}
        for name in EDITABLE
        if name in after and before.get(name) != after[name]
    }


def snapshot(app: Any) -> dict[str, Any]:
    """Everything needed to create the application again."""
    return app.model_dump(mode="json")
