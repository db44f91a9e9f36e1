"""Extra link from a task to the object it created or read, in the Trackier panel.

The link needs the panel's address, the connection extra ``panel_url`` (``hook.settings.panel_url``).
During ``execute`` an operator calls ``TrackierPanelLink.persist(...)``, which pushes the full URL to XCom;
``get_link`` reads it back. That is how links work on both Airflow 2.11 (the webserver reads XCom) and 3.x
(the worker stores each link in XCom when the task finishes and the API server serves it from there).
No ``panel_url`` means no link (an empty string), never an error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, BaseOperatorLink

XCOM_KEY = "trackier_panel_url"

#: Panel pages per kind of object. Best-known paths of the admin panel; adjust here if Trackier moves them.
PANEL_PATHS: dict[str, str] = {
    "campaign": "/admin/campaigns/{id}",
    "publisher": "/admin/publishers/{id}",
    "advertiser": "/admin/advertisers/{id}",
    "category": "/admin/campaigns/categories",
    "job": "/admin/jobs/{id}",
}


def panel_link(panel_url: str | None, kind: str, object_id: Any = None) -> str | None:
    """The panel URL of one object, or None when the panel address or the object's id is unknown."""
    template = PANEL_PATHS.get(kind)
    if not panel_url or template is None:
        return None
    if "{id}" in template:
        if object_id in (None, ""):
            return None
        return panel_url.rstrip("/") + template.format(id=quote(str(object_id), safe=""))
    return panel_url.rstrip("/") + template


def _xcom() -> Any:
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk.execution_time.xcom import XCom
    else:
        from airflow.models.xcom import XCom  # type: ignore[no-redef]
    return XCom


class TrackierPanelLink(BaseOperatorLink):
    """"Trackier" button on the task page: opens the campaign/publisher/... the task worked on."""

    name = "Trackier"

    @staticmethod
    def persist(context: Any, panel_url: str | None, kind: str, object_id: Any = None) -> str | None:
        """Record the link of this try (pushes it to XCom); returns it, or None when it is unknown.

        An unknown link is pushed as "" (shown as no link).
        """
        url = panel_link(panel_url, kind, object_id)
        ti = context["ti"]
        ti.xcom_push(key=XCOM_KEY, value=url or "")
        if _in_task_runner(ti):  # read back, and dropped, by get_link when the try ends
            _PERSISTED[_try_of(ti)] = url or ""
        return url

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The URL persisted by the task instance, or "" when there is none.

        Airflow 3's task runner asks for the link when the try ends, with the running task instance: it gets
        what this process persisted, and "" without an XCom lookup when the try ended before persisting (a
        failed create), which Airflow would otherwise log as an error ("XCom not found").
        """
        if _in_task_runner(ti_key):
            return _PERSISTED.pop(_try_of(ti_key), "")
        value = _xcom().get_value(ti_key=ti_key, key=XCOM_KEY)
        return value if isinstance(value, str) else ""


#: Links persisted by the tries running in this process, by try, until the task runner asks for them.
_PERSISTED: dict[tuple[Any, ...], str] = {}


def _try_of(ti: Any) -> tuple[Any, ...]:
    return (ti.dag_id, ti.run_id, ti.task_id, getattr(ti, "map_index", -1), getattr(ti, "try_number", None))


def _in_task_runner(ti_key: Any) -> bool:
    """Whether ``ti_key`` is the running task instance of Airflow 3's task runner (not a key from the UI)."""
    if not AIRFLOW_V_3_0_PLUS:
        return False
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    return isinstance(ti_key, RuntimeTaskInstance)


__all__ = ["PANEL_PATHS", "XCOM_KEY", "TrackierPanelLink", "panel_link"]
