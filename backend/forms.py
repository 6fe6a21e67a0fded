"""Reading HTML form posts into typed inputs, keeping what the user typed on error."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from backend.errors import InvalidInput
from backend.errors.messages import FIELD_LABELS, field_errors, first_by_field

LIST_FIELDS = {"modes"}
BOOL_FIELDS = {"budget_negotiable", "price_negotiable"}
NUMBER_FIELDS = {"budget_min", "budget_max", "price", "trl", "trl_wanted"}


@dataclass
class FormState:
    """What a form page needs: the typed values, and errors by field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=lambda: FIELD_LABELS)

    def fail(self, exc: InvalidInput) -> "FormState":
        detail = exc.detail if isinstance(exc.detail, list) else []
        self.errors = first_by_field(detail) or {"": exc.message}
        return self


async def read_form(request: Request) -> dict[str, Any]:
    """The posted form as a dict: multi-valued fields as lists, checkboxes as booleans."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if key in LIST_FIELDS else (values[0] if values else "")
    for key in BOOL_FIELDS:
        data[key] = key in form
    for key in NUMBER_FIELDS:
        if data.get(key) == "":
            data[key] = None
    return data


async def _posted_form(request: Request) -> dict[str, Any]:
    return await read_form(request)


# Reading the body is I/O and belongs on the event loop; the route itself then runs as a plain
# `def` in the thread pool, so hashing passwords, writing the database and encoding text for the
# index never block the server.
PostedForm = Annotated[dict[str, Any], Depends(_posted_form)]


def parse(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    """Validate form data, raising InvalidInput with per-field Chinese messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        raise InvalidInput("请修改标红的内容", detail=errors) from exc
