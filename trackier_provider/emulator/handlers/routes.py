"""Which handler serves each catalogue operation the older handler modules do not, and in which error envelope.

Generic CRUD (``objects.KINDS``) for plain resources, a named handler for the rest. Together with the older
modules every operation of ``trackier_provider.api.OPERATIONS`` is routed exactly once
(``tests/emulator/test_catalogue_routes.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trackier_provider.emulator.errors import Variant
from trackier_provider.emulator.handlers import actions, readonly
from trackier_provider.emulator.handlers.objects import crud_routes
from trackier_provider.emulator.handlers.resources import Handler, register_table
from trackier_provider.emulator.router import Router

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

_CRUD = [
    f"{resource}.{action}"
    for resource, actions_ in (
        ("publishers.subaccounts", "list create get update delete"),
        ("advertisers.subaccounts", "list create get update delete"),
        ("campaigns.notes", "list create get update delete"),
        ("publishers.notes", "list create get delete"),
        ("advertisers.notes", "list create get delete"),
        ("campaigns.caps", "list create update delete"),
        ("campaigns.landing_pages", "list create update delete"),
        ("campaigns.goals", "list create update delete"),
        ("campaigns.targetings", "list create get update delete"),
        ("postbacks", "list create get update delete"),
        ("smart_links", "list create get update delete"),
        ("tracking_domains", "list create update delete"),
        ("fraud_rules", "list create get update delete"),
        ("team_members", "list create get update"),
        ("invoices", "list create get delete"),
        ("deals", "list get delete"),
    )
    for action in actions_.split()
]

ROUTES: dict[str, Handler] = {
    **crud_routes(_CRUD),
    "campaigns.thumbnail.update": actions.campaign_settings,
    "campaigns.thumbnail.delete": actions.delete_thumbnail,
    "campaigns.s2s_tracking.update": actions.campaign_settings,
    "campaigns.impression_tracking.update": actions.campaign_settings,
    "campaigns.postback_settings.update": actions.campaign_settings,
    "campaigns.bulk_update_status": actions.bulk_status,
    "campaigns.bulk_edit": actions.bulk_edit,
    "campaigns.categories.list": actions.campaign_categories,
    "campaigns.payouts.create": actions.payout_create,
    "campaigns.payouts.update": actions.payout_update,
    "campaigns.payouts.delete": actions.payout_delete,
    "campaigns.targetings.rules.create": actions.rules_create,
    "campaigns.targetings.rules.update": actions.rule_update,
    "campaigns.targetings.rules.delete": actions.rule_delete,
    "campaigns.access.list": actions.access_list,
    "campaigns.access.update": actions.access_update,
    "tracking_links.create": actions.tracking_link,
    "conversions.find": actions.find_conversion,
    "conversions.update_status": actions.change_conversion,
    "publishers.assign_managers": actions.assign_managers,
    "publishers.transactions.get": actions.transactions,
    "invoices.preview": actions.invoice_preview,
    "emails.send": actions.send_email,
    "reports.adjust_stats": actions.adjust_stats,
    "reports.fraud": readonly.fraud_report,
    "reports.postbacks": readonly.postbacks_sent,
    "impressions.list": readonly.impressions,
    "notifications.list": readonly.notifications,
    "pixel_logs.list": readonly.pixel_logs,
    "postback_logs.list": readonly.postback_logs,
    "publishers.signup_fields.list": readonly.signup_fields,
    "advertisers.signup_fields.list": readonly.signup_fields,
    "campaigns.custom_fields.list": readonly.custom_fields,
    **{f"targeting_data.{kind}": readonly.targeting_data
       for kind in ("devices", "os", "countries", "regions", "cities", "isps")},
}

#: Operations whose 107 answers the spec documents in another envelope than ``{"errors": [...]}``.
VARIANTS: dict[str, Variant] = {
    **dict.fromkeys(("invoices.create", "invoices.get", "invoices.delete", "invoices.preview",
                     "publishers.transactions.get", "postbacks.list", "postbacks.create", "postbacks.get",
                     "postbacks.update", "postbacks.delete", "smart_links.create", "smart_links.list",
                     "campaigns.targetings.list", "campaigns.targetings.create", "campaigns.targetings.rules.create",
                     "campaigns.targetings.rules.update", "campaigns.targetings.rules.delete"), "success_errors"),
    **dict.fromkeys(("campaigns.categories.list", "campaigns.bulk_update_status", "campaigns.bulk_edit",
                     "publishers.assign_managers", "reports.fraud"), "error_object"),
}


def register(router: Router, app: EmulatorApp) -> None:
    """Wire every operation of ``ROUTES``."""
    register_table(router, app, ROUTES, VARIANTS)
