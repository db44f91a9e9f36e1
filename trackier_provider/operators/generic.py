"""``TrackierOperator``: any Admin API call the provider does not wrap (e.g. IP whitelist management)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.pagination import dig
from trackier_provider.operators.base import TrackierBaseOperator, without_secrets
from trackier_provider.validation import check_choice
from trackier_provider.version_compat import Context

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class TrackierOperator(TrackierBaseOperator):
    """Send one request to the Trackier Admin API and return its decoded JSON.

    The escape hatch for endpoints without a dedicated operator. The hook still brings the key, retries,
    throttling and typed errors. A POST/PATCH is not repeated after an ambiguous failure unless
    ``idempotent=True`` says that is harmless.

    :param endpoint: API path such as ``/v2/campaigns/123/caps`` (templated).
    :param method: HTTP method.
    :param query: query parameters; nested dicts/lists become PHP-style ``filters[status]=...`` (templated).
    :param data: JSON body (templated).
    :param response_key: dotted path of the part of the answer to return, e.g. ``"campaign"``.
    :param idempotent: allow retrying this call after an ambiguous failure.
    """

    template_fields: Sequence[str] = ("endpoint", "query", "data")
    template_fields_renderers = {"query": "json", "data": "json"}

    def __init__(
        self,
        *,
        endpoint: str,
        method: str = "GET",
        query: dict[str, Any] | None = None,
        data: Any = None,
        response_key: str | None = None,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.method = method.upper()
        check_choice("method", self.method, METHODS)
        self.query = query
        self.data = data
        self.response_key = response_key
        self.idempotent = idempotent

    def execute(self, context: Context) -> Any:
        endpoint = (self.endpoint or "").strip()
        if not endpoint.startswith("/v2/") or ".." in endpoint:
            raise TrackierConfigError("endpoint", f"{endpoint!r} is not an Admin API path", "Use e.g. '/v2/campaigns'.")
        if endpoint.rstrip("/") == "/v2/login":
            raise TrackierConfigError("endpoint", "the login answer holds an API key", "Use TrackierLoginOperator.")
        self.log.info("Trackier %s %s", self.method, endpoint)
        answer = self.hook.request(
            self.method, endpoint, params=self.query, json=self.data, idempotent=self.idempotent
        )
        return without_secrets(dig(answer, self.response_key) if self.response_key else answer)
