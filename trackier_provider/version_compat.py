"""One place that knows where Airflow 2.11 and 3.x keep the classes this provider builds on.

Everything else imports from here, so supporting a new Airflow version means editing one module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


def _airflow_version() -> tuple[int, int]:
    from airflow import __version__

    major, minor = __version__.split(".")[:2]
    return int(major), int(minor)


AIRFLOW_V_3_0_PLUS = _airflow_version() >= (3, 0)

if TYPE_CHECKING or AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import (
        Asset,
        BaseHook,
        BaseOperator,
        BaseOperatorLink,
        BaseSensorOperator,
        Context,
        ObjectStoragePath,
        PokeReturnValue,
        Variable,
    )
    from airflow.sdk.exceptions import (
        AirflowFailException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        TaskDeferred,
    )
    from airflow.sdk.log import mask_secret
else:  # Airflow 2.11
    from airflow.datasets import Dataset as Asset
    from airflow.exceptions import (
        AirflowFailException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        TaskDeferred,
    )
    from airflow.hooks.base import BaseHook
    from airflow.io.path import ObjectStoragePath
    from airflow.models import BaseOperator, Variable
    from airflow.models.baseoperatorlink import BaseOperatorLink
    from airflow.sensors.base import BaseSensorOperator, PokeReturnValue
    from airflow.utils.context import Context
    from airflow.utils.log.secrets_masker import mask_secret

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "Asset",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "Context",
    "ObjectStoragePath",
    "PokeReturnValue",
    "TaskDeferred",
    "Variable",
    "aget_connection",
    "mask_secret",
]


async def aget_connection(conn_id: str) -> Any:
    """Fetch a connection from async code without blocking the event loop (triggers run in one)."""
    if AIRFLOW_V_3_0_PLUS:
        return await BaseHook.aget_connection(conn_id)  # type: ignore[attr-defined]
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)
