"""``trackier-emulator``: run the emulator in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from trackier_provider.emulator.config import EmulatorConfig
from trackier_provider.emulator.server import TrackierEmulator


def build_parser() -> argparse.ArgumentParser:
    """The command-line options (one per config knob)."""
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(prog="trackier-emulator", description="Local Trackier Admin API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--api-key", default=defaults.api_key)
    for name in ("seed", "campaigns", "publishers", "advertisers", "coupons", "conversions_per_day",
                 "clicks_per_day"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    parser.add_argument("--settle-seconds", type=float, default=defaults.settle_seconds)
    parser.add_argument("--job-seconds", type=float, default=defaults.job_seconds)
    parser.add_argument("--ip-whitelist", action="append", default=None,
                        help="IP or CIDR allowed to call (repeatable; default: loopback only)")
    parser.add_argument("--login-email", default=defaults.login_email)
    parser.add_argument("--login-password", default=defaults.login_password)
    parser.add_argument("--network-url", default=defaults.network_url)
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second (every request)")
    parser.add_argument("--reports-per-minute", type=float, default=None, help="report requests per minute")
    parser.add_argument("--logs-per-minute", type=float, default=None, help="raw log requests per minute")
    parser.add_argument("--faults", default=None, help="JSON fault rule or list of rules")
    parser.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout,
                        help="seconds a connection may go without a complete request before it is closed")
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Turn parsed options into an :class:`~trackier_provider.emulator.config.EmulatorConfig`."""
    return EmulatorConfig(
        api_key=args.api_key, seed=args.seed, campaigns=args.campaigns, publishers=args.publishers,
        advertisers=args.advertisers, coupons=args.coupons, conversions_per_day=args.conversions_per_day,
        clicks_per_day=args.clicks_per_day, settle_seconds=args.settle_seconds, job_seconds=args.job_seconds,
        ip_whitelist=args.ip_whitelist, login_email=args.login_email, login_password=args.login_password,
        network_url=args.network_url,
        rate_limit=_rate_limit(args),
        faults=_faults(args.faults), idle_timeout=args.idle_timeout,
    )


def _rate_limit(args: argparse.Namespace) -> dict[str, float] | None:
    limits = {"requests_per_second": args.rate_limit, "reports_per_minute": args.reports_per_minute,
              "logs_per_minute": args.logs_per_minute}
    return {name: value for name, value in limits.items() if value} or None


def _faults(text: str | None) -> list[dict[str, object]]:
    if not text:
        return []
    value = json.loads(text)
    return value if isinstance(value, list) else [value]


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, print its base URL, serve until interrupted."""
    args = build_parser().parse_args(argv)
    emulator = TrackierEmulator(config_from_args(args), host=args.host, port=args.port)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator.start()
    print(f"Trackier emulator listening on {emulator.base_url}", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
    print("Trackier emulator stopped", file=sys.stderr, flush=True)
    return 0
