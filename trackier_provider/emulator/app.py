"""The emulator application: request pipeline (rate limit, faults, auth, routing, log) over shared state."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from trackier_provider.api import MODELS, OPERATIONS, Operation
from trackier_provider.emulator import auth, drift, examples
from trackier_provider.emulator.clock import Clock
from trackier_provider.emulator.config import EmulatorConfig
from trackier_provider.emulator.errors import ApiError, error_body, validation_error
from trackier_provider.emulator.faults import DEFAULT_HTML, FaultPlan, FaultSet, RateLimiter, echo_credentials
from trackier_provider.emulator.handlers import register_all
from trackier_provider.emulator.handlers.admin import ADMIN_PREFIX, AdminApi
from trackier_provider.emulator.handlers.resources import form
from trackier_provider.emulator.http import Outcome, Request, Response, error_response, json_response
from trackier_provider.emulator.params import Params, parse_query
from trackier_provider.emulator.requestlog import RequestLog
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.store import Store
from trackier_provider.emulator.traffic import Traffic

#: The header parameters the spec documents (``editConv``'s ``is_multiple``): the request log records them.
HEADER_PARAMS = frozenset(p.name.lower() for operation in OPERATIONS.values() for p in operation.headers)

log = logging.getLogger(__name__)

PAGING_PARAMS = ("lastId", "page", "pageToken")


class EmulatorApp:
    """Everything one emulator serves, independent of sockets and threads."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.faults = FaultSet()
        self.rate_limiter = RateLimiter()
        self.request_log = RequestLog()
        self.whitelist = auth.parse_whitelist(config.ip_whitelist)
        self.router = Router()
        register_all(self.router, self)
        _attach_body_models(self.router)
        self.admin = AdminApi(self)
        #: Called as ``hook(method, path, query)`` before each API request is answered, holding the store's
        #: lock: tests move the data between two page requests of one read here (Python API only; ``reset``
        #: clears it).
        self.before_answer: list[Callable[[str, str, dict[str, list[str]]], None]] = []
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: store, jobs, faults, rate limit, request log and clock offset."""
        self.store = Store(self.config)
        self.traffic = Traffic(self.store, self.config.seed, self.config.campaigns, self.config.publishers,
                               self.config.conversions_per_day, self.config.clicks_per_day,
                               self.config.settle_seconds)
        self.faults.clear()
        if self.config.faults:
            self.faults.add(self.config.faults)
        self.rate_limiter.configure(self.config.rate_limit)
        self.request_log.clear()
        self.clock.reset()
        self.before_answer.clear()

    # --- pipeline -----------------------------------------------------------------------------
    def handle(self, request: Request) -> Outcome:
        """Answer one request (called on the server's event loop thread); an offloaded route's answer is
        computed by :meth:`answer` as the outcome's ``work``, on a worker thread."""
        if request.path.startswith(ADMIN_PREFIX):
            return Outcome(self.admin.handle(request))
        if self.router.offloaded(request.method, request.path):
            return Outcome(None, work=lambda: self.answer(request))
        return self.answer(request)

    def answer(self, request: Request) -> Outcome:
        """Answer one API request: rate limit, faults, the endpoint and the request log."""
        query = parse_query(request.query_string)
        key_present = bool(request.headers.get("x-api-key"))
        outcome, fault = self._answer(request, query)
        status = outcome.response.status if outcome.response is not None and not outcome.drop else None
        sent = {name: request.headers[name] for name in HEADER_PARAMS if name in request.headers}
        self.request_log.add(request.method, request.path, query, key_present, status, fault, headers=sent)
        return outcome

    def _answer(self, request: Request, query: dict[str, list[str]]) -> tuple[Outcome, str | None]:
        retry = self.rate_limiter.acquire(request.path)
        if retry is not None:
            body = error_body(429, "429", f"Too many requests, retry after {retry} second(s)")
            return Outcome(json_response(body, 429, [("Retry-After", retry)])), "rate_limit"
        plan = self.faults.plan(request.method, request.path)
        terminal, fault = plan.terminal, plan.label
        if terminal is not None and terminal.kind == "drop" and terminal.settings["when"] == "before":
            return Outcome(None, plan.delay, drop=True), fault
        if terminal is not None and terminal.kind == "status":
            status, retry_after = terminal.settings["status"], terminal.settings.get("retry_after")
            headers = [("Retry-After", retry_after)] if retry_after else []
            code = "112" if status >= 500 else ("429" if status == 429 else "107")
            body = error_body(status, code, "Injected fault: the service is not available"
                              if status >= 500 else "Injected fault")
            return Outcome(json_response(body, status, headers), plan.delay), fault
        if plan.repeat_page:
            query = {k: v for k, v in query.items() if k not in PAGING_PARAMS}
        if terminal is not None and terminal.example is not None:
            try:  # Trackier's key and IP checks first, as for every other answer (their envelope if not)
                auth.check(request.headers.get("x-api-key"), self.config.api_key, request.client_ip, self.whitelist)
                response = examples.respond(terminal.example, query)
            except ApiError as error:
                response = error_response(error)
        else:
            response = self.dispatch(request, query)
        return self._after(response, plan), fault

    def _after(self, response: Response, plan: FaultPlan) -> Outcome:
        """Apply the drift rules in order, then the answering rule (see ``faults``)."""
        if response.status == 200:
            for change in plan.drifts:
                response.body = drift.apply(change, response.body)
        rule = plan.terminal
        if rule is None:
            return Outcome(response, plan.delay)
        if rule.kind == "drop":
            return Outcome(None, plan.delay, drop=True)
        if rule.kind == "truncate":
            response.body = response.body[: max(1, len(response.body) // 2)]
        elif rule.kind == "replace_body":  # a well-formed answer whose JSON is not what the endpoint sends
            response.body = rule.settings["body"].encode()
            response.status = rule.settings["status"]
        elif rule.kind == "echo_credentials":  # success and error answers alike
            response.body = echo_credentials(response.body)
        elif rule.kind == "non_json":
            body = rule.settings.get("body")
            response.body = (DEFAULT_HTML if body is None else body).encode()
            response.content_type = "text/html; charset=utf-8"
            response.status = rule.settings["status"]
        return Outcome(response, plan.delay)

    def dispatch(self, request: Request, query: dict[str, list[str]]) -> Response:
        """Route, authenticate and run the endpoint; every ApiError becomes its error envelope."""
        variant = None
        try:
            route, path_params = self.router.match(request.method, request.path)
            variant = route.variant
            if not route.public:
                auth.check(request.headers.get("x-api-key"), self.config.api_key, request.client_ip,
                           self.whitelist)
            call = Call(request, path_params, Params(query, route.variant), route)
            if route.body is not None:
                problems = route.body.problems(form(call), as_text=route.form)
                if problems:
                    name, problem = problems[0]
                    raise validation_error(f'"{name or "value"}" {problem}')
            with self.store.lock:
                for hook in self.before_answer:
                    hook(request.method, request.path, query)
            if route.offload:
                result: Any = route.endpoint(call)
            else:
                with self.store.lock:
                    result = route.endpoint(call)
            return result if isinstance(result, Response) else json_response(result)
        except ApiError as error:
            # the spec documents one 400 answer per operation, so every 400 takes the route's envelope
            chosen = error.variant or (variant if error.status == 400 else None) or "errors"
            return error_response(error, chosen)


def _attach_body_models(router: Router) -> None:
    """Give every route of a catalogue operation with a body that operation's body model, so every create and
    update body is checked by the one rule (``BodyModel.problems``) before its endpoint stores anything."""
    shape = re.compile(r"\{\w+\}")
    operations: dict[tuple[str, str], Operation] = {
        (op.method, shape.sub("{}", op.path)): op for op in OPERATIONS.values() if op.body is not None}
    for route in router.routes:
        operation = operations.get((route.method, shape.sub("{}", route.pattern)))
        if operation is not None and operation.body is not None:
            route.body = MODELS[operation.body]
            route.form = operation.content == "multipart"
