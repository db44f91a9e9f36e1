"""Publishers: list (keyset paging, filters) and create-if-absent (natural key: email)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trackier_provider.operators.base import TrackierCreateOperator, TrackierFetchOperator
from trackier_provider.validation import (
    USER_STATUSES,
    check_choice,
    check_choices,
    check_email,
    check_flag,
    check_json,
    check_mapping,
    check_password,
    check_text,
    holds_template,
    require_text,
)


class TrackierFetchPublishersOperator(TrackierFetchOperator):
    """Read publishers (all pages, keyset ``lastId`` paging).

    :param filters: Trackier's publisher filters, e.g. ``{"name": "Demo"}``, ``{"ids": [31, 54]}``,
        ``{"email": "a@b.com"}``, ``{"status": "active"}``.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "filters")
    template_fields_renderers = {"filters": "json"}
    operation = "publishers.list"
    query_args = {"filters": "filters"}

    def __init__(self, *, filters: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters = filters


#: The rule of each templated field of ``TrackierCreatePublisherOperator``: applied to a static value when the
#: DAG is parsed and to the rendered value when the task runs (the value as sent, or an error naming the field).
_RULES: dict[str, Callable[[Any], Any]] = {
    "name": lambda value: require_text("name", value),
    "publisher_email": check_email,
    "password": check_password,
    "company": lambda value: check_text("company", value),
    "phone": lambda value: check_text("phone", value),
    "status": lambda value: check_choice("status", value, USER_STATUSES),
    "tags": lambda value: check_choices("tags", value) or None,
}


class TrackierCreatePublisherOperator(TrackierCreateOperator):
    """Create a publisher (UserCreate) unless one with this email exists.

    The password is checked against Trackier's rule before any request, masked as soon as it is rendered,
    and never logged or returned.

    :param name: publisher name.
    :param email: login email (the natural key).
    :param password: 8-16 characters with an upper, a lower, a digit and one of ``- @ # $ &`` (templated, e.g.
        ``"{{ var.value.new_publisher_password }}"``).

    The optional UserCreate fields are keyword arguments too: ``username``, ``company``, ``phone``, ``status``,
    ``region``, ``ref_by``, ``custom_fields`` (sent as ``customFields``), ``bank``, ``tags`` and ``send_email``
    (sent as ``sendEmailOrNot``).
    """

    template_fields: Sequence[str] = ("name", "publisher_email", "password", "company", "phone", "status", "tags")
    secret_fields = ("password",)
    #: Fields a subclass fills in when the task runs (e.g. a password read from a file then): not checked when
    #: the DAG is parsed, checked by ``payload`` like the others.
    run_time_fields: tuple[str, ...] = ()
    operation = "publishers.create"
    kind = "publisher"

    def __init__(
        self,
        *,
        name: str,
        email: str,
        password: str,
        username: str | None = None,
        company: str | None = None,
        phone: str | None = None,
        status: str | None = None,
        region: dict[str, Any] | None = None,
        ref_by: str | None = None,
        custom_fields: dict[str, Any] | None = None,
        bank: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        send_email: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        # Not ``self.email``: that is BaseOperator's failure-alert address, and alerts must not go to publishers.
        self.publisher_email = email
        self.password = password
        self.username = check_text("username", username)
        self.company = company
        self.phone = phone
        self.status = status
        self.region = _json_object("region", region)
        self.ref_by = check_text("ref_by", ref_by)
        self.custom_fields = _json_object("custom_fields", custom_fields)
        self.bank = _json_object("bank", bank)
        self.tags = tags
        self.send_email = check_flag("send_email", send_email)
        for attribute, rule in _RULES.items():  # static values fail when the DAG is parsed
            if attribute not in self.run_time_fields and not holds_template(getattr(self, attribute)):
                rule(getattr(self, attribute))

    def _checked(self, attribute: str) -> Any:
        return _RULES[attribute](getattr(self, attribute))

    def payload(self) -> dict[str, Any]:
        body = {
            "name": self._checked("name"),
            "email": self._checked("publisher_email"),
            "password": self._checked("password"),
        }
        optional = {
            "username": self.username,
            "company": self._checked("company"),
            "phone": self._checked("phone"),
            "status": self._checked("status"),
            "region": self.region,
            "ref_by": self.ref_by,
            "customFields": self.custom_fields,
            "bank": self.bank,
            "tags": self._checked("tags"),
            "sendEmailOrNot": self.send_email,
        }
        return {**body, **{k: v for k, v in optional.items() if v is not None}}


def _json_object(field: str, value: Any) -> dict[str, Any] | None:
    """An optional UserCreate object field (``region``, ``customFields``, ``bank``), checked as JSON."""
    return check_json(field, check_mapping(field, value))
