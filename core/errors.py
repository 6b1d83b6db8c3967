"""Refusals a form can show next to the field they are about."""


class FieldError(ValueError):
    """A service cannot store what it was asked to. `field` names the form field the message is
    about ("" for the form as a whole), so a form can put it next to that field."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
