"""The one router: ``(method, "/v2/campaigns/{id}")`` patterns mapped to handlers, matched in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from trackier_provider.api.model import BodyModel
from trackier_provider.emulator.errors import ApiError, Variant
from trackier_provider.emulator.http import Request

Endpoint = Callable[["Call"], Any]


@dataclass
class Call:
    """What a handler receives: the request, its path parameters and its parsed query."""

    request: Request
    path_params: dict[str, str]
    params: Any  # trackier_provider.emulator.params.Params (kept Any to avoid an import cycle)
    route: Route

    def body(self) -> dict[str, Any]:
        """The JSON body as an object, or a 107 error naming what is wrong with it."""
        from trackier_provider.emulator.errors import validation_error

        try:
            data = self.request.json()
        except ValueError:
            raise validation_error("Request body must be valid JSON", variant=self.route.variant) from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise validation_error('"value" must be of type object', variant=self.route.variant)
        return data


@dataclass
class Route:
    """One registered operation."""

    method: str
    pattern: str
    regex: re.Pattern[str]
    endpoint: Endpoint
    variant: Variant | None = None
    public: bool = False
    offload: bool = False  # runs on a worker thread, taking the store's lock itself where it needs it
    body: BodyModel | None = None  # the catalogue's model of the body, checked before the endpoint runs
    form: bool = False  # the body is a multipart form (its fields arrive as text)


class Router:
    """Ordered list of routes; a pattern with fewer placeholders is tried first, so literal segments win
    (``/v2/campaigns/status`` before ``/v2/campaigns/{id}``) whichever module registers first."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._offloaded: set[tuple[str, str]] = set()

    def add(self, method: str, pattern: str, endpoint: Endpoint, *, variant: Variant | None = None,
            public: bool = False, offload: bool = False) -> None:
        """Register ``endpoint`` for ``method`` and a path pattern with ``{name}`` placeholders.

        ``offload``: the endpoint may compute for long (a report), so it runs on a worker thread; only
        patterns without placeholders can be offloaded.
        """
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")
        rank = pattern.count("{")
        if offload:
            if rank:
                raise ValueError(f"only a path without placeholders can be offloaded, not {pattern}")
            self._offloaded.add((method, pattern))
        at = next((i for i, route in enumerate(self.routes) if route.pattern.count("{") > rank), len(self.routes))
        self.routes.insert(at, Route(method, pattern, regex, endpoint, variant, public, offload))

    def offloaded(self, method: str, path: str) -> bool:
        """True when ``method`` ``path`` is served by an offloaded route (cheap: no pattern is matched)."""
        return (method, path[:-1] if path.endswith("/") else path) in self._offloaded

    def add_all(self, table: list[tuple[str, str, Callable[..., Any]]], *bound: Any,
                variant: Variant | None = None) -> None:
        """Register ``(method, pattern, function)`` rows, binding ``bound`` as the functions' first arguments."""
        for method, pattern, function in table:
            self.add(method, pattern, partial(function, *bound), variant=variant)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """Find the route for a request, or raise 404 (unknown path) / 405 with ``Allow`` (known path, other
        method)."""
        allowed: list[str] = []
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            raise ApiError(405, "404", f"Method {method} is not allowed on {path}",
                           headers=(("Allow", ", ".join(sorted(set(allowed)))),))
        raise ApiError(404, "404", f"Route {method} {path} not found")


