"""The ``/_emulator/...`` control API: health, request log, faults, rate limit, clock, reset.

No key is needed and nothing is logged, but the caller's IP must be in the emulator's whitelist (105 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator.auth import check_ip
from trackier_provider.emulator.errors import ApiError, validation_error
from trackier_provider.emulator.http import Request, Response, error_response, json_response

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

ADMIN_PREFIX = "/_emulator/"


class AdminApi:
    """Dispatches the control endpoints onto the application's state."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("GET", "health"): self.health,
            ("GET", "requests"): lambda r: {"requests": app.request_log.entries()},
            ("DELETE", "requests"): _ok_after(app.request_log.clear),
            ("GET", "faults"): lambda r: {"faults": app.faults.rules()},
            ("POST", "faults"): lambda r: {"faults": [x.as_dict() for x in app.faults.add(self._body(r))]},
            ("DELETE", "faults"): _ok_after(app.faults.clear),
            ("GET", "rate-limit"): lambda r: {"rate_limit": app.rate_limiter.spec},
            ("POST", "rate-limit"): self.rate_limit,
            ("GET", "clock"): lambda r: self.clock(None),
            ("POST", "clock"): self.clock,
            ("POST", "reset"): _ok_after(app.reset),
        }

    @staticmethod
    def _body(request: Request) -> Any:
        try:
            return request.json()
        except ValueError:
            raise validation_error("Request body must be valid JSON") from None

    def handle(self, request: Request) -> Response:
        """Answer a control request from a whitelisted IP (no key needed), or the error envelope."""
        name = request.path[len(ADMIN_PREFIX):].strip("/")
        try:
            check_ip(request.client_ip, self.app.whitelist)
            route = self.routes.get((request.method, name))
            if route is None:
                raise ApiError(404, "404", f"Unknown control endpoint {request.method} {name}")
            with self.app.store.lock:
                return json_response(route(request))
        except ApiError as error:
            return error_response(error)

    def health(self, request: Request) -> dict[str, Any]:
        """Liveness plus the emulated time."""
        return {"status": "ok", "now": self.app.clock.now().isoformat(), "clock_offset": self.app.clock.offset}

    def rate_limit(self, request: Request) -> dict[str, Any]:
        """Set (object) or clear (null / empty body) the rate limit."""
        body = self._body(request)
        self.app.rate_limiter.configure(body or None)
        return {"rate_limit": self.app.rate_limiter.spec}

    def clock(self, request: Request | None) -> dict[str, Any]:
        """Advance the clock by ``{"advance": seconds}`` (POST) and report it."""
        if request is not None:
            body = self._body(request)
            advance = body.get("advance") if isinstance(body, dict) else None
            if not isinstance(advance, (int, float)) or isinstance(advance, bool):
                raise validation_error('"advance" must be a number of seconds')
            try:
                self.app.clock.advance(advance)
            except ValueError as error:
                raise validation_error(f'"advance" is out of range: {error}') from None
        return {"now": self.app.clock.now().isoformat(), "offset": self.app.clock.offset}


def _ok_after(action: Callable[[], None]) -> Callable[[Request], dict[str, Any]]:
    """A control route that runs ``action`` and answers ``{"success": true}``."""

    def route(request: Request) -> dict[str, Any]:
        action()
        return {"success": True}

    return route
