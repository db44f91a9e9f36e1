"""Network operations: login."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import ApiError
from trackier_provider.emulator.rng import iso
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.seed import CATALOG_EPOCH

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp


def _host(url: str) -> str:
    return url.lower().split("://", 1)[-1].rstrip("/")


def login(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/login``: the configured team member gets the API key; anything else is 401/113."""
    body = call.body()
    v.require(body, "email", "password", "networkUrl")
    cfg = app.config
    if (str(body["email"]).lower() != cfg.login_email.lower() or body["password"] != cfg.login_password
            or _host(str(body["networkUrl"])) != _host(cfg.network_url)):
        raise ApiError(401, "113", "Invalid email or password")
    user = {"id": 1, "hashId": "5f0000000000000000000002", "name": "Emulator Admin", "email": cfg.login_email,
            "username": cfg.login_email.split("@")[0], "company": "Emulator Network",
            "created": iso(CATALOG_EPOCH), "modified": iso(CATALOG_EPOCH)}
    return {"success": True, "data": {"key": cfg.api_key, "user": user, "type": "admin"}}


def register(router: Router, app: EmulatorApp) -> None:
    """Wire the login operation (public: it is how a key is obtained)."""
    router.add("POST", "/v2/login", partial(login, app), public=True)
