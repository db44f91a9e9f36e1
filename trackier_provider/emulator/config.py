"""Configuration of the Trackier emulator: credentials, data-size knobs and timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trackier_provider.emulator.http import DEFAULT_IDLE_TIMEOUT


@dataclass
class EmulatorConfig:
    """Everything that shapes one emulator instance.

    The seed and the size knobs fully determine the synthetic data, so two emulators with the same
    config serve the same campaigns, publishers and conversions. Timing knobs (``settle_seconds``,
    ``job_seconds``) control how long report figures and bulk-upload jobs keep changing;
    ``idle_timeout`` is how long a connection may go without sending a complete request before the
    server closes it.
    """

    api_key: str = "emulator-api-key"
    seed: int = 42
    campaigns: int = 50
    publishers: int = 30
    advertisers: int = 10
    coupons: int = 20
    conversions_per_day: int = 500
    clicks_per_day: int = 5000
    settle_seconds: float = 3600.0
    job_seconds: float = 30.0
    ip_whitelist: list[str] | None = None
    login_email: str = "admin@example.com"
    login_password: str = "Emulator@123"  # noqa: S105 - documented local test login
    network_url: str = "https://demo.trackier.test"
    rate_limit: dict[str, Any] | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("campaigns", "publishers", "advertisers", "coupons", "conversions_per_day",
                     "clicks_per_day"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.campaigns < 1 or self.publishers < 1 or self.advertisers < 1:
            raise ValueError("campaigns, publishers and advertisers must each be at least 1")
        if self.settle_seconds < 0 or self.job_seconds < 0:
            raise ValueError("settle_seconds and job_seconds must be >= 0")
        if not self.idle_timeout > 0:
            raise ValueError(f"idle_timeout must be a number of seconds > 0, got {self.idle_timeout!r}")
