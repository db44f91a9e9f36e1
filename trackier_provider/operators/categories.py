"""Campaign categories: list, create-if-absent (natural key: name), rename, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.exceptions import TrackierNotFoundError
from trackier_provider.operators.base import (
    TrackierBaseOperator,
    TrackierCreateOperator,
    TrackierFetchOperator,
)
from trackier_provider.validation import check_flag, require_text
from trackier_provider.version_compat import Context


class TrackierFetchCategoriesOperator(TrackierFetchOperator):
    """Read all campaign categories."""

    operation = "categories.list"


class TrackierCreateCategoryOperator(TrackierCreateOperator):
    """Create a category unless one with this name (trimmed, case-insensitive) exists.

    :param name: category name (templated).
    """

    template_fields: Sequence[str] = ("name",)
    operation = "categories.create"
    kind = "category"

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def payload(self) -> dict[str, Any]:
        return {"name": require_text("name", self.name)}


class TrackierUpdateCategoryOperator(TrackierBaseOperator):
    """Rename a category; safe to retry (the same edit twice leaves the same result).

    :param category_id: the category's ``_id`` (templated). :param name: its new name (templated).
    """

    template_fields: Sequence[str] = ("category_id", "name")

    def __init__(self, *, category_id: str, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.category_id = category_id
        self.name = name

    def run(self, context: Context) -> Any:
        body = {"name": require_text("name", self.name)}
        answer = self.hook.call("categories.update", ids={"category_id": self.category_id}, body=body)
        self.log.info("Renamed category %s", self.category_id)
        return answer.get("category", answer) if isinstance(answer, dict) else answer


class TrackierDeleteCategoryOperator(TrackierBaseOperator):
    """Delete a category.

    :param category_id: the category's ``_id`` (templated).
    :param missing_ok: succeed when the category does not exist (e.g. a retry after the delete went
        through but its answer was lost); by default a missing category fails the task.
    """

    template_fields: Sequence[str] = ("category_id",)

    def __init__(self, *, category_id: str, missing_ok: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.category_id = category_id
        self.missing_ok = bool(check_flag("missing_ok", missing_ok))

    def run(self, context: Context) -> bool:
        try:
            self.hook.call("categories.delete", ids={"category_id": self.category_id})
        except TrackierNotFoundError:
            if not self.missing_ok:
                raise
            self.log.info("Category %s does not exist; nothing to delete", self.category_id)
            return False
        self.log.info("Deleted category %s", self.category_id)
        return True
