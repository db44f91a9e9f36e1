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

        An unknown link is pushed as "" (shown as no link): Airflow 3 reads the key when the task ends and
        logs an error for a missing one.
        """
        url = panel_link(panel_url, kind, object_id)
        context["ti"].xcom_push(key=XCOM_KEY, value=url or "")
        return url

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The URL persisted by the task instance, or "" when there is none."""
        value = _xcom().get_value(ti_key=ti_key, key=XCOM_KEY)
        return value if isinstance(value, str) else ""


__all__ = ["PANEL_PATHS", "XCOM_KEY", "TrackierPanelLink", "panel_link"]
