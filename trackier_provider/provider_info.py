"""Provider metadata: what Airflow's ProvidersManager learns about this package without importing it."""

from __future__ import annotations

from typing import Any

#: The package version (also the wheel's: ``pyproject.toml`` reads it from here).
__version__ = "0.1.0"

PACKAGE_NAME = "airflow-provider-trackier"
HOOK_CLASS = "trackier_provider.hooks.trackier.TrackierHook"
CONN_TYPE = "trackier"
DEFAULT_BASE_URL = "https://api.trackier.com"
#: The provider's documentation: ``[project.urls] Documentation`` in pyproject.toml, which is where Airflow
#: (Admin > Providers, ``airflow providers get``) takes the link from; tests keep the two equal.
DOCUMENTATION_URL = "https://airflow-provider-trackier.readthedocs.io/en/stable/"
#: Trackier's own API documentation (the integration's external documentation).
TRACKIER_API_DOCS_URL = "https://docs.trackier.com"

#: Connection extras the hook understands, with the form field each gets in the UI.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "timeout": {
        "label": "Timeout (seconds)",
        "schema": {"type": ["number", "null"], "default": 60},
        "description": "Per-request timeout for connect and read.",
    },
    "max_retries": {
        "label": "Max retries",
        "schema": {"type": ["integer", "null"], "default": 5},
        "description": "Retries on 429, 5xx, timeouts and connection errors.",
    },
    "requests_per_second": {
        "label": "Requests per second",
        "schema": {"type": ["number", "null"]},
        "description": "Budget of every hook and trigger of one process on this connection (of every process "
        "with budget_url); empty for none.",
    },
    "reports_per_minute": {
        "label": "Report requests per minute",
        "schema": {"type": ["number", "null"], "default": 200},
        "description": "Budget for the aggregate reports per process, or per key with budget_url (Trackier's "
        "Publisher API documents 200/min).",
    },
    "logs_per_minute": {
        "label": "Log requests per minute",
        "schema": {"type": ["number", "null"]},
        "description": "Budget for conversion, click and other raw logs per process, or per key with budget_url; "
        "empty: requests per second.",
    },
    "budget_url": {
        "label": "Shared budget store",
        "schema": {"type": ["string", "null"]},
        "description": "redis://[:password@]host:port/db: every worker and triggerer shares one budget per "
        "endpoint group there, and 429 pauses; empty: a budget per process.",
    },
    "max_parallel_pages": {
        "label": "Pages fetched at once",
        "schema": {"type": ["integer", "null"], "default": 4},
        "description": "Pages of a long list requested while earlier ones are written (1 = one at a time).",
    },
    "max_bytes_ahead": {
        "label": "Bytes held ahead",
        "schema": {"type": ["integer", "null"], "default": 67108864},
        "description": "Answers of pages fetched ahead are held up to this many bytes in all (default 64 MiB).",
    },
    "page_size": {
        "label": "Page size",
        "schema": {"type": ["integer", "null"]},
        "description": "Records per page for paginated endpoints; empty for each endpoint's default.",
    },
    "panel_url": {
        "label": "Panel URL",
        "schema": {"type": ["string", "null"]},
        "description": "Your Trackier panel, e.g. https://yournetwork.trackier.com, for links from task pages.",
    },
    "allow_insecure_http": {
        "label": "Allow plain http://",
        "schema": {"type": ["boolean", "null"], "default": False},
        "description": "Send the key over plain http:// to a host that is not loopback (clear text: only on a "
        "network you trust; a warning is logged). Off: such a host is refused.",
    },
    "validate_responses": {
        "label": "Validate responses",
        "schema": {"type": ["string", "null"], "default": "off", "enum": ["off", "warn", "fail"]},
        "description": "Check answers against the provider's schemas: off, warn (log a drift summary) or fail "
        "(fail the task at the first drifting answer).",
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # The port stays visible: Airflow 3.3.2's Test button works only for a connection stored with its port
    # (apache/airflow#73298), so the form must let it be entered (443 for the default URL).
    "hidden_fields": ["login", "schema"],
    "relabeling": {"host": "API base URL", "password": "API Key"},
    "placeholders": {
        "host": DEFAULT_BASE_URL,
        "port": "443: the API base URL's port (optional; Airflow 3.3.2's Test button needs it)",
        "password": "X-Api-Key from Automation > API in your Trackier panel",
        "timeout": "60",
        "max_retries": "5",
        "requests_per_second": "5",
        "reports_per_minute": "200",
        "logs_per_minute": "60",
        "max_parallel_pages": "4",
        "max_bytes_ahead": "67108864",
        "page_size": "1000",
        "panel_url": "https://yournetwork.trackier.com",
        "allow_insecure_http": "false",
        "validate_responses": "off",
    },
}

MODULES: dict[str, list[str]] = {
    "hooks": ["trackier_provider.hooks.trackier"],
    "operators": [
        "trackier_provider.operators.generic",
        "trackier_provider.operators.campaigns",
        "trackier_provider.operators.publishers",
        "trackier_provider.operators.advertisers",
        "trackier_provider.operators.reports",
        "trackier_provider.operators.categories",
        "trackier_provider.operators.coupons",
        "trackier_provider.operators.incent_offers",
        "trackier_provider.operators.login",
        "trackier_provider.operators.conversions",
        "trackier_provider.operators.access",
        "trackier_provider.operators.caps",
        "trackier_provider.operators.payouts",
        "trackier_provider.operators.tracking_links",
        "trackier_provider.operators.schema_check",
    ],
    "sensors": ["trackier_provider.sensors.report", "trackier_provider.sensors.job"],
    "triggers": ["trackier_provider.triggers.report", "trackier_provider.triggers.job"],
}

EXTRA_LINKS = ["trackier_provider.links.TrackierPanelLink"]


def get_provider_info() -> dict[str, Any]:
    """Describe the provider: connection type, form fields, and the modules it ships."""
    integration = "Trackier"
    return {
        "package-name": PACKAGE_NAME,
        "name": "Trackier",
        "description": "Hook, operators, deferrable sensors and an API emulator for the Trackier Admin API.",
        "versions": [__version__],
        "integrations": [{"integration-name": integration, "external-doc-url": TRACKIER_API_DOCS_URL}],
        "connection-types": [
            {
                "hook-class-name": HOOK_CLASS,
                "hook-name": "Trackier",
                "connection-type": CONN_TYPE,
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": {
                    "hidden-fields": UI_FIELD_BEHAVIOUR["hidden_fields"],
                    "relabeling": UI_FIELD_BEHAVIOUR["relabeling"],
                    "placeholders": UI_FIELD_BEHAVIOUR["placeholders"],
                },
            }
        ],
        "hooks": [{"integration-name": integration, "python-modules": MODULES["hooks"]}],
        "operators": [{"integration-name": integration, "python-modules": MODULES["operators"]}],
        "sensors": [{"integration-name": integration, "python-modules": MODULES["sensors"]}],
        "triggers": [{"integration-name": integration, "python-modules": MODULES["triggers"]}],
        "extra-links": EXTRA_LINKS,
    }
