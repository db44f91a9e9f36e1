"""The catalogue: every operation of Trackier's Admin API (v2) as data, written from Trackier's OpenAPI spec.

``OPERATIONS`` maps each operation's resource-style name (``campaigns.caps.update``) to its ``Operation``:
method, path template, parameters, body model, paging, side effect and, for creates, the natural key.
``MODELS`` holds the body models' required fields and enumerated values. ``tests/test_api_catalogue.py``
compares both with the spec, operation by operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from trackier_provider.api.model import (
    BodyModel,
    FileFormat,
    Operation,
    cursor,
    index,
    keyset,
    model,
    natural,
    op,
    page,
    q,
    words,
)

#: The KPIs every aggregate report takes (``kpi[]``).
KPIS = words(
    "uniqueClicks rejectedClicks clicks grossClicks approvedConversions pendingConversions "
    "cancelledConversions rejectedConversions extConversions grossConversions cr impressions "
    "campaign_payout campaign_revenue payout revenue profit saleAmount pendingPayout "
    "pendingSaleAmount extPayout extSaleAmount extRevenue cancelledRevenue rejectedRevenue "
    "grossRevenue grossProfit grossSaleAmount epc ctr"
)
#: The images a campaign thumbnail may be (the spec lists jpeg, gif, bmp, png, ico and tif), recognised by the
#: signatures their content starts with.
IMAGES = (
    FileFormat("image/jpeg", "jpeg", (b"\xff\xd8\xff",)),
    FileFormat("image/gif", "gif", (b"GIF87a", b"GIF89a")),
    FileFormat("image/bmp", "bmp", (b"BM",)),
    FileFormat("image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
    FileFormat("image/x-icon", "ico", (b"\x00\x00\x01\x00",)),
    FileFormat("image/tiff", "tif", (b"II*\x00", b"MM\x00*")),
)
#: The query of the reports with a fixed grouping (campaign, publisher, advertiser, daily, goal).
AGGREGATE = (
    q("camp_ids", "array"),
    q("pub_ids", "array"),
    q("adv_ids", "array"),
    q("kpi", "array", choices=KPIS),
    q("start", "string"),
    q("end", "string"),
)
#: Parameters the aggregate reports take although the spec lists them for few of them: the provider sends
#: the window's timezone as ``zone`` and filters other than ids as ``filters[...]``.
UNDOCUMENTED_REPORT_PARAMS = (q("zone", "string", documented=False), q("filters", "object", documented=False))
#: Operations that read raw, row-level logs: they draw from the ``logs`` budget (``logs_per_minute``).
LOG_OPERATIONS = frozenset(
    {"conversions.list", "impressions.list", "clicks.list", "pixel_logs.list", "postback_logs.list",
     "reports.postbacks"}
)


#: A cap's limits: none may be negative, and a new cap sets at least one (Trackier stores a cap without any).
CAP_LIMITS = "hourly daily monthly lifetime"
#: The fields of a campaign body and their choices: the same in a create (``CampaignCreate``, plus ``note``)
#: and an edit (``CampaignEdit``).
CAMPAIGN_CHOICES: dict[str, Any] = {  # each a tuple of choices (Any: mypy matches ** against types=)
    "status": ("active", "pending", "paused", "disabled", "expired"),
    "commModel": ("cpa", "cpl", "cps", "cpi", "cpc", "cpm"),
    "payoutCalParam": words("sub1 sub2 sub3 sub4 sub5 sub6 sub7 sub8 sub9 sub10 revenue sale_amount"),
    "visibility": ("public", "private", "permission"),
    "redirectType": ("302", "302_hrf", "200", "200_hrf"),
    "convTracking": ("postback", "iframe_https", "image_https"),
    "overrideCreativeName": ("yes", "no"),
    "duplicateClickAction": ("none", "blank", "fallback"),
    "uniqueClickSessionVariable": ("cookie", "ip", "gaid", "idfa", "gclid", "ip_gclid"),
    "allowedTrackingLinkFormat": ("numeric_id", "unique_id", "both"),
    "hidePayoutFromPublishers": ("1", "0"),
}
CAMPAIGN_TYPES = (
    "advertiserId:string|integer title:string description:string previewUrl:string url:string "
    "currency:string status:string commModel:string payoutCalParam:string device:string "
    "defaultGoalName:string defaultLpName:string flow:array convLcFlow:object subIdsBlocked:array "
    "subIdsAllowed:array appName:string appId:string os:array scheduleZone:string "
    "schduleStartHour:string scheduleEndHour:string visibility:string allowSpilloverConv:integer "
    "holdPeriod:integer|null cancelFallbackConv:integer redirectType:string "
    "trackMultiConv:integer convPending:integer cancelBlockedPbConv:integer allowImp:integer "
    "iurl:string blacklistPostbackPubs:array whitelistPostbackPubs:array convTracking:string "
    "subIdOverride:object convTrackingDomain:string attributionWindow:integer "
    "fallbackCampaign:string fallbackUrl:string showGlobalTargeting:integer "
    "overrideAppNameWithCsvValues:integer overrideCreativeName:string blockedPubs:array "
    "primaryTrackingDomain:string payouts:array startTime:string endTime:string "
    "enforceLpTargeting:integer duplicateClickAction:string uniqueClickSessionVariable:string "
    "allowedTrackingLinkFormat:string customFields:object trafficChannels:array deepLink:boolean "
    "hidePayoutFromPublishers:string appendUrl:string category:array erid:string strictAppName:boolean"
)


def budget_group(operation: Operation) -> str:
    """The request budget an operation draws from: ``logs`` for the raw logs (``reports.postbacks``, a
    postback log, among them), ``reports`` for the other ``reports.*`` operations, else ``default``."""
    if operation.name in LOG_OPERATIONS:
        return "logs"
    return "reports" if operation.resource == "reports" else "default"


OPERATIONS: Mapping[str, Operation] = index(
    # advertisers
    op(
        "advertisers.caps.create",
        "POST",
        "/v2/advertisers/{advertiser_id}/caps",
        ids=("advertiser_id",),
        body="AdvertiserCapCreate",
    ),
    op(
        "advertisers.caps.delete",
        "DELETE",
        "/v2/advertisers/{advertiser_id}/caps/{cap_id}",
        ids=("advertiser_id", "cap_id"),
    ),
    op(
        "advertisers.caps.get",
        "GET",
        "/v2/advertisers/{advertiser_id}/caps/{cap_id}",
        ids=("advertiser_id", "cap_id"),
        result="cap",
    ),
    op("advertisers.caps.list", "GET", "/v2/advertisers/{advertiser_id}/caps", ids=("advertiser_id",), records="caps"),
    op(
        "advertisers.caps.update",
        "POST",
        "/v2/advertisers/{advertiser_id}/caps/{cap_id}",
        ids=("advertiser_id", "cap_id"),
        body="AdvertiserCapEdit",
    ),
    op(
        "advertisers.create",
        "POST",
        "/v2/advertisers",
        body="UserCreate",
        result="advertiser",
        key=natural("advertisers.list", "email", narrow={"filters": "email"}),
    ),
    op("advertisers.delete", "DELETE", "/v2/advertisers/{id}", ids=("advertiser_id",)),
    op("advertisers.get", "GET", "/v2/advertisers/{id}", ids=("advertiser_id",), result="advertiser"),
    op(
        "advertisers.list",
        "GET",
        "/v2/advertisers",
        query=(
            q("lastId", "string"),
            q("filters", "object"),
            q("limit", "integer"),
        ),
        pages=keyset("advertisers", default_limit=5000),
    ),
    op("advertisers.notes.create", "POST", "/v2/advertisers/{advId}/notes", ids=("advertiser_id",), body="Note"),
    op(
        "advertisers.notes.delete", "DELETE", "/v2/advertisers/{advId}/notes/{noteId}", ids=("advertiser_id", "note_id")
    ),
    op(
        "advertisers.notes.get",
        "GET",
        "/v2/advertisers/{advId}/notes/{noteId}",
        ids=("advertiser_id", "note_id"),
        result="data",
    ),
    op("advertisers.notes.list", "GET", "/v2/advertisers/{advId}/notes", ids=("advertiser_id",), records="notes"),
    op("advertisers.signup_fields.list", "GET", "/v2/signupfields/advertiser", records="fields"),
    op(
        "advertisers.subaccounts.create",
        "POST",
        "/v2/advertisers/{advertiserId}/subaccounts",
        ids=("advertiser_id",),
        body="SubAccountCreate",
        result="subaccount",
        key=natural("advertisers.subaccounts.list", "email"),
    ),
    op(
        "advertisers.subaccounts.delete",
        "DELETE",
        "/v2/advertisers/{advertiserId}/subaccounts/{id}",
        ids=("advertiser_id", "subaccount_id"),
    ),
    op(
        "advertisers.subaccounts.get",
        "GET",
        "/v2/advertisers/{advertiserId}/subaccounts/{id}",
        ids=("advertiser_id", "subaccount_id"),
        result="subaccount",
    ),
    op(
        "advertisers.subaccounts.list",
        "GET",
        "/v2/advertisers/{advertiserId}/subaccounts",
        ids=("advertiser_id",),
        records="subaccounts",
    ),
    op(
        "advertisers.subaccounts.update",
        "POST",
        "/v2/advertisers/{advertiserId}/subaccounts/{id}",
        ids=("advertiser_id", "subaccount_id"),
        body="SubAccountEdit",
        result="subaccount",
    ),
    op(
        "advertisers.update",
        "POST",
        "/v2/advertisers/{id}",
        ids=("advertiser_id",),
        body="UserEdit",
        result="advertiser",
    ),
    # auth
    op("auth.login", "POST", "/v2/login", body="Login", side_effect=False),
    # campaigns
    op("campaigns.access.list", "GET", "/v2/campaigns/access", query=(q("filters", "object"),), records="accessList"),
    op("campaigns.access.update", "POST", "/v2/campaigns/access", body="CampaignAccessChange", idempotent=True),
    op("campaigns.bulk_edit", "POST", "/v2/campaigns/bulkEdit", body="CampaignBulkEdit", idempotent=True),
    op("campaigns.bulk_update_status", "POST", "/v2/campaigns/status", body="CampaignStatusChange", idempotent=True),
    op(
        "campaigns.caps.create",
        "POST",
        "/v2/campaigns/{id}/caps",
        ids=("campaign_id",),
        body="Cap",
        result="cap",
        key=natural("campaigns.caps.list", "type", "goalId"),
    ),
    op("campaigns.caps.delete", "DELETE", "/v2/campaigns/{id}/caps/{capId}", ids=("campaign_id", "cap_id")),
    op("campaigns.caps.list", "GET", "/v2/campaigns/{id}/caps", ids=("campaign_id",), records="caps"),
    op(
        "campaigns.caps.update",
        "POST",
        "/v2/campaigns/{id}/caps/{capId}",
        ids=("campaign_id", "cap_id"),
        body="CapEdit",
        result="cap",
    ),
    op("campaigns.categories.list", "GET", "/v2/campaigns/categories", records="categories"),
    op(
        "campaigns.create",
        "POST",
        "/v2/campaigns",
        body="CampaignCreate",
        result="campaign",
        key=natural("campaigns.list", "advertiserId", "title", narrow={"advertiser": "advertiserId"}),
    ),
    op("campaigns.custom_fields.list", "GET", "/v2/customfields/campaign", records="fields"),
    op("campaigns.delete", "DELETE", "/v2/campaigns/{id}", ids=("campaign_id",)),
    op("campaigns.get", "GET", "/v2/campaigns/{id}", ids=("campaign_id",), result="campaign"),
    op(
        "campaigns.goals.create",
        "POST",
        "/v2/campaigns/{id}/goals",
        ids=("campaign_id",),
        body="GoalCreate",
        result="goal",
        key=natural("campaigns.goals.list", "value"),
    ),
    op("campaigns.goals.delete", "DELETE", "/v2/campaigns/{id}/goals/{goalId}", ids=("campaign_id", "goal_id")),
    op("campaigns.goals.list", "GET", "/v2/campaigns/{id}/goals", ids=("campaign_id",), records="goals"),
    op(
        "campaigns.goals.update",
        "POST",
        "/v2/campaigns/{id}/goals/{goalId}",
        ids=("campaign_id", "goal_id"),
        body="GoalEdit",
    ),
    op(
        "campaigns.impression_tracking.update",
        "POST",
        "/v2/campaigns/{id}/impression-tracking",
        ids=("campaign_id",),
        body="ImpressionTracking",
        content="multipart",
    ),
    op(
        "campaigns.landing_pages.create",
        "POST",
        "/v2/campaigns/{id}/lps",
        ids=("campaign_id",),
        body="LandingPage",
        result="landingPage",
        key=natural("campaigns.landing_pages.list", "title"),
    ),
    op(
        "campaigns.landing_pages.delete",
        "DELETE",
        "/v2/campaigns/{id}/lps/{lpId}",
        ids=("campaign_id", "landing_page_id"),
    ),
    op("campaigns.landing_pages.list", "GET", "/v2/campaigns/{id}/lps", ids=("campaign_id",), records="landingPages"),
    op(
        "campaigns.landing_pages.update",
        "POST",
        "/v2/campaigns/{id}/lps/{lpId}",
        ids=("campaign_id", "landing_page_id"),
        body="LandingPage",
        result="landingPage",
    ),
    op(
        "campaigns.list",
        "GET",
        "/v2/campaigns",
        query=(
            q("lastId", "integer"),
            q("limit", "integer", documented=False),
            q("orderBy", "string", choices=("created", "title")),
            q("direction", "string", choices=("asc", "desc")),
            q("advertiser", "array"),
            q(
                "filters",
                "object",
                keys=(
                    q("status", "string", choices=("active", "pending", "paused", "disabled", "expired", "suspended")),
                    q("geo", "array"),
                    q("objective", "array", choices=("cpa", "cpl", "cpi", "cps", "cpc", "cpm")),
                    q("category", "array"),
                    q("visibility", "array", choices=("private", "permission", "public")),
                    q("device", "array", choices=("desktop", "mobile", "tablet")),
                    q("os", "array", choices=("android", "ios", "windows", "macOs")),
                    q("trafficChannels", "array"),
                    q("customFields", "array"),
                ),
            ),
        ),
        pages=keyset("campaigns", default_limit=1000, max_limit=1000),
    ),
    op("campaigns.notes.create", "POST", "/v2/campaigns/{campId}/notes", ids=("campaign_id",), body="Note"),
    op("campaigns.notes.delete", "DELETE", "/v2/campaigns/{campId}/notes/{noteId}", ids=("campaign_id", "note_id")),
    op(
        "campaigns.notes.get",
        "GET",
        "/v2/campaigns/{campId}/notes/{noteId}",
        ids=("campaign_id", "note_id"),
        result="data",
    ),
    op("campaigns.notes.list", "GET", "/v2/campaigns/{campId}/notes", ids=("campaign_id",), records="notes"),
    op(
        "campaigns.notes.update",
        "POST",
        "/v2/campaigns/{campId}/notes/{noteId}",
        ids=("campaign_id", "note_id"),
        body="Note",
    ),
    op(
        "campaigns.payouts.create",
        "POST",
        "/v2/campaigns/{id}/payouts",
        ids=("campaign_id",),
        body="Payout",
        result="payout",
    ),
    op("campaigns.payouts.delete", "DELETE", "/v2/campaigns/{id}/payouts/{payoutId}", ids=("campaign_id", "payout_id")),
    op("campaigns.payouts.list", "GET", "/v2/campaigns/{id}/payouts", ids=("campaign_id",), records="payouts"),
    op(
        "campaigns.payouts.update",
        "POST",
        "/v2/campaigns/{id}/payouts/{payoutId}",
        ids=("campaign_id", "payout_id"),
        body="Payout",
        result="payout",
    ),
    op(
        "campaigns.postback_settings.update",
        "POST",
        "/v2/campaigns/{campaignId}/postback-settings",
        ids=("campaign_id",),
        body="PostbackSettings",
    ),
    op(
        "campaigns.s2s_tracking.update",
        "POST",
        "/v2/campaigns/{id}/s2s-tracking",
        ids=("campaign_id",),
        body="S2STracking",
        content="multipart",
    ),
    op(
        "campaigns.targetings.create",
        "POST",
        "/v2/campaigns/{id}/targetings",
        ids=("campaign_id",),
        body="TargetingCreate",
        result="ruleblock",
        key=natural("campaigns.targetings.list", "name"),
    ),
    op(
        "campaigns.targetings.delete",
        "DELETE",
        "/v2/campaigns/{campId}/targetings/{id}",
        ids=("campaign_id", "targeting_id"),
    ),
    op(
        "campaigns.targetings.get",
        "GET",
        "/v2/campaigns/{campId}/targetings/{id}",
        ids=("campaign_id", "targeting_id"),
        result="ruleblock",
    ),
    op("campaigns.targetings.list", "GET", "/v2/campaigns/{id}/targetings", ids=("campaign_id",), records="ruleblocks"),
    op(
        "campaigns.targetings.rules.create",
        "POST",
        "/v2/campaigns/{campId}/targetings/{id}/rules",
        ids=("campaign_id", "targeting_id"),
        body="RulesAdd",
        result="ruleblock",
    ),
    op(
        "campaigns.targetings.rules.delete",
        "DELETE",
        "/v2/campaigns/{campId}/targetings/{id}/rules/{ruleId}",
        ids=("campaign_id", "targeting_id", "rule_id"),
    ),
    op(
        "campaigns.targetings.rules.update",
        "POST",
        "/v2/campaigns/{campId}/targetings/{id}/rules/{ruleId}",
        ids=("campaign_id", "targeting_id", "rule_id"),
        body="Rule",
        result="rule",
    ),
    op(
        "campaigns.targetings.update",
        "POST",
        "/v2/campaigns/{campId}/targetings/{id}",
        ids=("campaign_id", "targeting_id"),
        body="TargetingEdit",
        result="ruleblock",
    ),
    op("campaigns.thumbnail.delete", "DELETE", "/v2/campaigns/{id}/thumbnail", ids=("campaign_id",)),
    op(
        "campaigns.thumbnail.update",
        "POST",
        "/v2/campaigns/{id}/thumbnail",
        ids=("campaign_id",),
        body="Thumbnail",
        content="multipart",
    ),
    op(
        "campaigns.timelines.list",
        "GET",
        "/v2/campaigns/timelines",
        query=(
            q("page", "integer"),
            q("limit", "integer"),
            q("start", "date"),
            q("end", "date"),
        ),
        pages=page("data.changedCampaigns", default_limit=100),
    ),
    op("campaigns.update", "POST", "/v2/campaigns/{id}", ids=("campaign_id",), body="CampaignEdit", result="campaign"),
    # categories
    op(
        "categories.create",
        "POST",
        "/v2/categories",
        body="CategoryCreate",
        result="category",
        key=natural("categories.list", "name"),
    ),
    op("categories.delete", "DELETE", "/v2/categories/{id}", ids=("category_id",)),
    op("categories.get", "GET", "/v2/categories/{id}", ids=("category_id",), result="category"),
    op("categories.list", "GET", "/v2/categories", records="categories"),
    op(
        "categories.update",
        "POST",
        "/v2/categories/{id}",
        ids=("category_id",),
        body="CategoryCreate",
        result="category",
    ),
    # clicks
    op(
        "clicks.list",
        "GET",
        "/v2/reports/clicks",
        query=(
            q("limit", "integer"),
            q("hasNextPage", "boolean"),
            q("pageToken", "string"),
            q(
                "fields",
                "array",
                choices=words(
                    "id source ipaddr ua os is_rejected is_unique is_bot city region isp p1 p2 p3 p4 p5 p6 p7 p8 p9 "
                    "p10 note ro gaid idfa app_id app_name android_id creative_name smart_link payout revenue brand "
                    "conn lat long pub_impression_id device_lang pub_campaign_id sub_source click_domain "
                    "release_order_id country browser referer device created campaign_id campaign_long_id "
                    "campaign_name publisher_id publisher_long_id publisher_name advertiser_name advertiser_id "
                    "landing_page_name landing_page_id landing_page_long_id"
                ),
            ),
            q("start", "string"),
            q("end", "string"),
            q("zone", "string"),
            q("camp_ids", "array"),
            q("pub_ids", "array"),
            q("click_id", "string"),
        ),
        pages=cursor("clicks", default_limit=5000, min_limit=100, max_limit=5000),
    ),
    # conversions
    op("conversions.bulk_upload", "POST", "/v2/conversions/bulkUpload", body="BulkConversionUpload", result="job"),
    op(
        "conversions.find",
        "GET",
        "/v2/reports/findConv",
        query=(
            q("txn_id", "string", required=True),
            q("date", "date", required=True),
        ),
        result="conversion",
    ),
    op(
        "conversions.list",
        "GET",
        "/v2/network/conversions",
        query=(
            q("limit", "integer"),
            q("page", "integer"),
            q("fields", "array"),
            q("start", "string", required=True),
            q("end", "string", required=True),
            q("zone", "string"),
            q("campaignIds", "array"),
            q("publisherIds", "array"),
            q("adv_ids", "array"),
            q("source", "string"),
            q("status", "string", choices=("approved", "pending", "cancelled", "rejected", "extended")),
        ),
        pages=page("conversions", default_limit=10000, min_limit=100, max_limit=10000, total="pagination.total"),
    ),
    op(
        "conversions.update_status",
        "POST",
        "/v2/editConv",
        query=(
            q("id", "string", arg="conversion_id"),
            q("click_id", "string"),
            q("txn_id", "string"),
            q("status", "string", required=True, choices=("approved", "pending", "cancelled", "rejected")),
            q("date", "string"),
        ),
        headers=(q("is_multiple", "boolean", choices=("true", "false")),),
        idempotent=True,
    ),
    # coupons
    op(
        "coupons.create",
        "POST",
        "/v2/coupons",
        body="CouponCreate",
        result="coupon",
        key=natural("coupons.list", "code", narrow={"filters": "code"}),
    ),
    op("coupons.delete", "DELETE", "/v2/coupons/{code}", ids=("code",)),
    op("coupons.get", "GET", "/v2/coupons/{code}", ids=("code",), result="coupon"),
    op(
        "coupons.list",
        "GET",
        "/v2/coupons",
        query=(
            q("page", "integer"),
            q("limit", "integer"),
            q(
                "filters",
                "object",
                keys=(
                    q("status", "string", choices=("active", "pending", "expired")),
                    q("code", "string"),
                    q("campaignIds", "array"),
                    q("publisherIds", "array"),
                    q("createdBefore", "date"),
                    q("createdAfter", "date"),
                    q("createdBy", "string"),
                ),
            ),
            q("direction", "string", also=("asc", "desc")),
        ),
        pages=page("coupons", default_limit=100, total="pagination.total"),
    ),
    op("coupons.update", "POST", "/v2/coupons/{code}", ids=("code",), body="CouponEdit", result="coupon"),
    # deals
    op("deals.delete", "DELETE", "/v2/deals/{id}", ids=("deal_id",)),
    op("deals.get", "GET", "/v2/deals/{id}", ids=("deal_id",), result="deal"),
    op(
        "deals.list",
        "GET",
        "/v2/deals",
        query=(
            q("limit", "integer"),
            q("page", "integer"),
            q("name", "string"),
            q("campaigns", "array"),
            q("publishers", "array"),
            q("status", "string", choices=("active", "inactive", "pending", "expired")),
        ),
        pages=page("deals", default_limit=1000, total="pagination.total"),
    ),
    # emails
    op("emails.send", "POST", "/v2/smtp/send-email", body="EmailSend"),
    # fraud_rules
    op(
        "fraud_rules.create",
        "POST",
        "/v2/fraudrules",
        body="FraudRuleCreate",
        result="fraudRule",
        key=natural("fraud_rules.list", "name"),
    ),
    op("fraud_rules.delete", "DELETE", "/v2/fraudrules/{id}", ids=("fraud_rule_id",)),
    op("fraud_rules.get", "GET", "/v2/fraudrules/{id}", ids=("fraud_rule_id",), result="data.fraudRule"),
    op(
        "fraud_rules.list",
        "GET",
        "/v2/fraudrules",
        query=(
            q("page", "number"),
            q("limit", "number"),
        ),
        pages=page("data.fraudRules"),
    ),
    op("fraud_rules.update", "PATCH", "/v2/fraudrules/{id}", ids=("fraud_rule_id",), body="FraudRuleCreate"),
    # impressions
    op(
        "impressions.list",
        "GET",
        "/v2/network/impressions",
        query=(
            q("limit", "integer"),
            q("page", "integer"),
            q("fields", "array"),
            q("start", "string"),
            q("end", "string"),
            q("zone", "string"),
            q("camp_ids", "array"),
            q("pub_ids", "array"),
            q("adv_ids", "array"),
        ),
        pages=page("impressions", min_limit=100, max_limit=10000, total="pagination.total", total_optional=True),
    ),
    # incent_offers
    op(
        "incent_offers.list",
        "GET",
        "/v2/offers/incent",
        query=(
            q("page", "integer"),
            q("limit", "integer"),
            q("pubId", "id", required=True),
            q("source", "string", required=True),
            q("order", "string", choices=("asc", "desc")),
            q("sortBy", "string", choices=("payout", "id")),
            # The spec lists none, but the offers can be filtered (objective, geo...) as the other lists are.
            q("filters", "object", documented=False),
        ),
        pages=page("campaigns", default_limit=100, total="total", total_optional=True),
    ),
    # invoices
    op("invoices.create", "POST", "/v2/invoices", body="InvoicesCreate"),
    op("invoices.delete", "DELETE", "/v2/invoices/{id}", ids=("invoice_id",)),
    op("invoices.get", "GET", "/v2/invoices/{id}", ids=("invoice_id",), result="data.invoice"),
    op(
        "invoices.list",
        "GET",
        "/v2/invoices",
        query=(
            q("start", "string", required=True),
            q("end", "string", required=True),
            q("user_id", "array"),
            q("utype", "string", choices=("publisher", "advertiser")),
            q("status", "string", choices=("draft", "approved", "paid")),
            q("page", "number"),
            q("limit", "number"),
            q("zone", "string"),
        ),
        pages=page("invoices", total="pagination.total"),
    ),
    op(
        "invoices.preview",
        "GET",
        "/v2/invoices/preview",
        query=(
            q("user_id", "string", required=True),
            q("start", "string", required=True),
            q("end", "string", required=True),
            q("prefType", "string", required=True, choices=("campaign", "date_wise", "month_wise")),
            q("invCurrency", "string"),
            q("skipZeroPayouts", "boolean"),
            q("payoutField", "string"),
        ),
    ),
    # jobs
    op("jobs.get", "GET", "/v2/jobs/{id}", ids=("job_id",), result="job"),
    op("jobs.list", "GET", "/v2/jobs", records="jobs"),
    # notifications
    op(
        "notifications.list",
        "GET",
        "/v2/network/notifications",
        query=(
            q("start", "string"),
            q("end", "string"),
            q("limit", "integer"),
            q("page", "integer"),
        ),
        pages=page("notifications", total="pagination.total"),
    ),
    # pixel_logs
    op(
        "pixel_logs.list",
        "GET",
        "/v2/network/pixellogs",
        query=(
            q("start", "string"),
            q("end", "string"),
            q("limit", "integer"),
            q("page", "integer"),
            q("campaign_ids", "array"),
            q("advertiser_ids", "array"),
            q("publisher_ids", "array"),
            q("click_ids", "array"),
            q("errors", "array"),
            q(
                "fields",
                "array",
                choices=words(
                    "clickId error campaign publisher txnId couponCode saleAmount userAgent url created requestIp"
                ),
            ),
        ),
        pages=page("logs"),
    ),
    # postback_logs
    op(
        "postback_logs.list",
        "GET",
        "/v2/network/postbacklogs",
        query=(
            q("start", "string"),
            q("end", "string"),
            q("limit", "integer"),
            q("page", "integer"),
            q("campaign_ids", "array"),
            q("advertiser_ids", "array"),
            q("publisher_ids", "array"),
            q("click_ids", "array"),
            q("errors", "array"),
            q(
                "fields",
                "array",
                choices=words("clickId error campaign publisher userAgent url created requestIp host"),
            ),
            q("security_token", "array"),
        ),
        pages=page("logs"),
    ),
    # postbacks
    op(
        "postbacks.create",
        "POST",
        "/v2/postback",
        body="PostbackCreate",
        result="data.postback",
        key=natural("postbacks.list", "publisherId", "campaignId", "event", "data"),
    ),
    op("postbacks.delete", "DELETE", "/v2/postback/{id}", ids=("postback_id",)),
    op("postbacks.get", "GET", "/v2/postback/{id}", ids=("postback_id",), result="data.postback"),
    op(
        "postbacks.list",
        "GET",
        "/v2/postback",
        query=(
            q("page", "number"),
            q("limit", "number"),
        ),
        pages=page("data.postbacks"),
    ),
    op(
        "postbacks.update",
        "PATCH",
        "/v2/postback/{id}",
        ids=("postback_id",),
        body="PostbackEdit",
        result="data.postback",
    ),
    # publishers
    op(
        "publishers.assign_managers",
        "POST",
        "/v2/publishers/assign-managers",
        body="ManagerAssignment",
        idempotent=True,
    ),
    op(
        "publishers.create",
        "POST",
        "/v2/publishers",
        body="UserCreate",
        result="publisher",
        key=natural("publishers.list", "email", narrow={"filters": "email"}),
    ),
    op("publishers.delete", "DELETE", "/v2/publishers/{id}", ids=("publisher_id",)),
    op("publishers.get", "GET", "/v2/publishers/{id}", ids=("publisher_id",), result="publisher"),
    op(
        "publishers.list",
        "GET",
        "/v2/publishers",
        query=(
            q("lastId", "integer"),
            q("filters", "object"),
            q("limit", "integer"),
        ),
        pages=keyset("publishers", default_limit=5000, total="pagination.totalCount"),
    ),
    op("publishers.notes.create", "POST", "/v2/publishers/{pubId}/notes", ids=("publisher_id",), body="Note"),
    op("publishers.notes.delete", "DELETE", "/v2/publishers/{pubId}/notes/{noteId}", ids=("publisher_id", "note_id")),
    op(
        "publishers.notes.get",
        "GET",
        "/v2/publishers/{pubId}/notes/{noteId}",
        ids=("publisher_id", "note_id"),
        result="data",
    ),
    op("publishers.notes.list", "GET", "/v2/publishers/{pubId}/notes", ids=("publisher_id",), records="notes"),
    op("publishers.signup_fields.list", "GET", "/v2/signupfields/publisher", records="fields"),
    op(
        "publishers.subaccounts.create",
        "POST",
        "/v2/publishers/{publisherId}/subaccounts",
        ids=("publisher_id",),
        body="SubAccountCreate",
        result="subaccount",
        key=natural("publishers.subaccounts.list", "email"),
    ),
    op(
        "publishers.subaccounts.delete",
        "DELETE",
        "/v2/publishers/{publisherId}/subaccounts/{id}",
        ids=("publisher_id", "subaccount_id"),
    ),
    op(
        "publishers.subaccounts.get",
        "GET",
        "/v2/publishers/{publisherId}/subaccounts/{id}",
        ids=("publisher_id", "subaccount_id"),
        result="subaccount",
    ),
    op(
        "publishers.subaccounts.list",
        "GET",
        "/v2/publishers/{publisherId}/subaccounts",
        ids=("publisher_id",),
        records="subaccounts",
    ),
    op(
        "publishers.subaccounts.update",
        "POST",
        "/v2/publishers/{publisherId}/subaccounts/{id}",
        ids=("publisher_id", "subaccount_id"),
        body="SubAccountEdit",
        result="subaccount",
    ),
    op("publishers.transactions.get", "GET", "/v2/publishers/{id}/transactions", ids=("publisher_id",)),
    op("publishers.update", "POST", "/v2/publishers/{id}", ids=("publisher_id",), body="UserEdit", result="publisher"),
    # reports
    op("reports.adjust_stats", "POST", "/v2/reports/adjuststats", body="StatsAdjustment"),
    op(
        "reports.advertiser",
        "GET",
        "/v2/reports/advertiser",
        query=(*AGGREGATE, *UNDOCUMENTED_REPORT_PARAMS),
        records="records",
    ),
    op(
        "reports.campaign",
        "GET",
        "/v2/reports/campaign",
        query=(*AGGREGATE, *UNDOCUMENTED_REPORT_PARAMS),
        records="records",
    ),
    op(
        "reports.custom",
        "GET",
        "/v2/reports/custom",
        query=(
            q(
                "group",
                "array",
                choices=words(
                    "campaign_name campaign_id campaign_long_id external_offer_id campaign_status campaign_geo "
                    "objective publisher publisher_id publisher_long_id aff_manager source advertiser advertiser_id "
                    "adv_manager goal_name goal_id ref_camp ref_camp_id rlo_id lp_title lp_id os country hour created "
                    "month sl_name sl_id coupon"
                ),
            ),
            q("kpi", "array", choices=KPIS),
            q("camp_ids", "array"),
            q("pub_ids", "array"),
            q("adv_ids", "array"),
            q("start", "string"),
            q("end", "string"),
            q("remove_zero_data", "boolean"),
            *UNDOCUMENTED_REPORT_PARAMS,
        ),
        records="records",
    ),
    op("reports.daily", "GET", "/v2/reports/daily", query=(*AGGREGATE, *UNDOCUMENTED_REPORT_PARAMS), records="records"),
    op(
        "reports.fraud",
        "GET",
        "/v2/reports/fraud",
        query=(
            q(
                "group",
                "array",
                choices=words(
                    "campaign_name campaign_id campaign_long_id external_offer_id publisher publisher_id "
                    "publisher_long_id advertiser advertiser_id advertiser_long_id goal_name goal_id sl ref_camp "
                    "ref_camp_id lp_title lp_id os country hour created month"
                ),
            ),
            q("camp_ids", "array"),
            q("pub_ids", "array"),
            q("adv_ids", "array"),
            q("start", "string"),
            q("end", "string"),
        ),
        records="records",
    ),
    op("reports.goal", "GET", "/v2/reports/goal", query=(*AGGREGATE, *UNDOCUMENTED_REPORT_PARAMS), records="records"),
    op(
        "reports.postbacks",
        "GET",
        "/v2/reports/postback",
        query=(
            q("limit", "integer"),
            q("page", "integer"),
            q("start", "string"),
            q("end", "string"),
            q("campaign_ids", "array"),
            q("publisher_ids", "array"),
            q("conversion_id", "string"),
            q("postback_id", "string"),
        ),
        pages=page("logs", total="pagination.total"),
    ),
    op(
        "reports.publisher",
        "GET",
        "/v2/reports/publisher",
        query=(*AGGREGATE, *UNDOCUMENTED_REPORT_PARAMS),
        records="records",
    ),
    op(
        "reports.subid",
        "GET",
        "/v2/reports/subid",
        query=(
            q(
                "group",
                "array",
                choices=words(
                    "campaign_name campaign_id campaign_long_id external_offer_id campaign_status campaign_geo "
                    "objective publisher publisher_id publisher_long_id source advertiser advertiser_id goal_name "
                    "goal_id ref_camp ref_camp_id lp_title lp_id os country hour created month p2 p3 p4 p5 p6 p7 p8 "
                    "p9 p10 city region isp conn app_name app_id cr_name"
                ),
                # The spec lists the sub ids from p2; p1 is the first of the same ten (the clicks log has p1-p10).
                also=("p1",),
            ),
            q("kpi", "array", choices=KPIS),
            q("camp_ids", "array"),
            q("pub_ids", "array"),
            q("adv_ids", "array"),
            q("zone", "string"),
            q("start", "string"),
            q("end", "string"),
            q("remove_zero_data", "boolean"),
            q("filters", "object", documented=False),
        ),
        records="records",
    ),
    # smart_links
    op("smart_links.create", "POST", "/v2/smart-link", body="SmartlinkCreate", key=natural("smart_links.list", "name")),
    op("smart_links.delete", "DELETE", "/v2/smart-link/{id}", ids=("smart_link_id",)),
    op("smart_links.get", "GET", "/v2/smart-link/{id}", ids=("smart_link_id",), result="smartlink"),
    op(
        "smart_links.list",
        "GET",
        "/v2/smart-link",
        query=(
            q("page", "number"),
            q("limit", "number"),
        ),
        pages=page("smartlink"),
    ),
    op(
        "smart_links.update",
        "POST",
        "/v2/smart-link/{id}",
        ids=("smart_link_id",),
        body="SmartlinkEdit",
        result="smartlink",
    ),
    # targeting_data
    op(
        "targeting_data.cities",
        "GET",
        "/v2/targetingdata/cities",
        query=(
            q("q", "string"),
            q("country", "string"),
            q("page", "integer"),
        ),
        pages=page("cities"),
    ),
    op("targeting_data.countries", "GET", "/v2/targetingdata/countries", records="countries"),
    op("targeting_data.devices", "GET", "/v2/targetingdata/devices", records="devices"),
    op(
        "targeting_data.isps",
        "GET",
        "/v2/targetingdata/isps",
        query=(
            q("q", "string"),
            q("country", "string"),
            q("page", "integer"),
        ),
        pages=page("isps"),
    ),
    op("targeting_data.os", "GET", "/v2/targetingdata/os", records="os"),
    op(
        "targeting_data.regions",
        "GET",
        "/v2/targetingdata/regions",
        query=(
            q("q", "string"),
            q("country", "string"),
            q("page", "integer"),
        ),
        pages=page("regions"),
    ),
    # team_members
    op(
        "team_members.create",
        "POST",
        "/v2/accounts",
        body="TeamMemberCreate",
        key=natural("team_members.list", "email"),
    ),
    op("team_members.get", "GET", "/v2/accounts/{account_id}", ids=("account_id",), result="account"),
    op("team_members.list", "GET", "/v2/accounts", records="accounts"),
    op("team_members.update", "POST", "/v2/accounts/{account_id}", ids=("account_id",), body="TeamMemberEdit"),
    # tracking_domains
    op(
        "tracking_domains.create",
        "POST",
        "/v2/trackingDomains",
        body="TrackingDomainCreate",
        key=natural("tracking_domains.list", "host"),
    ),
    op("tracking_domains.delete", "DELETE", "/v2/trackingDomains/{domain}", ids=("domain",)),
    op("tracking_domains.list", "GET", "/v2/trackingDomains", records="trackingDomains"),
    op("tracking_domains.update", "POST", "/v2/trackingDomains/{domain}", ids=("domain",), body="TrackingDomainEdit"),
    # tracking_links
    op(
        "tracking_links.create",
        "POST",
        "/v2/trackingLink/{campId}/{pubId}",
        ids=("campaign_id", "publisher_id"),
        query=(
            q("domain", "string"),
            q("tracking_domain", "string"),
            q("deeplink", "string"),
            q("encode_deeplink", "boolean"),
            q("url", "string"),
            q("google_ads", "boolean"),
            q("force_transparent", "boolean"),
            q("click_pixel", "boolean"),
            q("impression_pixel", "boolean"),
            q("url_id", "string"),
            q("random_url", "string", choices=("1",)),
            q("prl", "string"),
            q("random_prl", "string", choices=("1",)),
            q("lp_unilink", "string", choices=("1",)),
            q("unilink", "string", choices=("1",)),
            q("pub_group_id", "string"),
            q("rfid", "boolean"),
            q("source", "string"),
            q("idfa", "string"),
            q("gaid", "string"),
        ),
        body="TrackingLinkOptions",
        side_effect=False,
    ),
    group=budget_group,
)

MODELS: Mapping[str, BodyModel] = MappingProxyType(
    {
        m.name: m
        for m in (
            model(
                "AdvertiserCapCreate",
                "type",
                type=("conversions", "approvedConv", "revenue", "gross"),
                pubCapType=("each", "group"),
                types=(
                    "type:string pubCapType:string publishers:array geo:array daily:integer monthly:integer "
                    "lifetime:integer"
                ),
                not_negative=CAP_LIMITS,
                one_of="daily monthly lifetime",
            ),
            model(
                "AdvertiserCapEdit",
                type=("conversions", "approvedConv", "revenue", "gross"),
                pubCapType=("each", "group"),
                types=(
                    "type:string pubCapType:string publishers:array geo:array daily:integer monthly:integer "
                    "lifetime:integer"
                ),
                not_negative=CAP_LIMITS,
            ),
            model(
                "BulkConversionUpload", "data", firePostback=("yes", "refire"),
                types="data:array firePostback:string fetchIpDetails:boolean",
            ),
            model(
                "CampaignAccessChange",
                "campaign_ids",
                "publisher_ids",
                "type",
                type=("assign", "remove", "block", "unblock"),
                types="campaign_ids:array publisher_ids:array type:string",
            ),
            model(
                "CampaignBulkEdit", "campaignIds", "fields",
                types="campaignIds:array fields:object",
            ),
            model("CampaignCreate", "advertiserId", "title", "url", "currency", "convTracking", "payouts",
                  types=f"{CAMPAIGN_TYPES} note:string", **CAMPAIGN_CHOICES),
            model("CampaignEdit", types=CAMPAIGN_TYPES, **CAMPAIGN_CHOICES),  # an edit body has no note
            model(
                "CampaignStatusChange",
                "campaignIds",
                "status",
                status=("active", "pending", "paused", "disabled", "expired"),
                types="campaignIds:array status:string",
            ),
            model(
                "Cap",
                "type",
                "visibility",
                "pubCapType",
                type=words(
                    "conversion approvedConv click payout revenue pendingPayout pendingRevenue saleAmount netRevenue "
                    "uniqueClicks clicks grossRevenue impression"
                ),
                visibility=("public", "private"),
                pubCapType=("each", "group"),
                redirect=("blank", "fallback_link"),
                types=(
                    "type:string goalId:string publisherIds:array visibility:string pubCapType:string "
                    "landingPageIds:array hourly:number daily:number monthly:number lifetime:number "
                    "enablePerMinuteCap:number geo:array redirect:string"
                ),
                not_negative=CAP_LIMITS,
                one_of=CAP_LIMITS,
            ),
            model(
                "CapEdit",
                "campaignId",
                pubCapType=("each", "group"),
                type=words(
                    "conversion approvedConv click payout revenue pendingPayout pendingRevenue saleAmount netRevenue "
                    "uniqueClicks clicks grossRevenue impression"
                ),
                visibility=("public", "private"),
                redirect=("blank", "fallback_link"),
                types=(
                    "_id:string campaignId:string goalId:string publisherIds:array pubCapType:string "
                    "landingPageIds:array type:string hourly:number daily:number|null monthly:number|null "
                    "lifetime:number|null enablePerMinuteCap:number pauseResources:integer visibility:string "
                    "created:string modified:string geo:array redirect:string"
                ),
                not_negative=CAP_LIMITS,
            ),
            model(
                "CategoryCreate",
                types="name:string",
            ),
            model(
                "CouponCreate", status=("active", "pending", "expired"), type=("generic", "exclusive", "one_time"),
                types=(
                    "code:string status:string type:string campaignId:string publisherIds:array "
                    "excludedPubIds:array description:string startDate:string endDate:string payouts:array "
                    "futurePayouts:array"
                ),
            ),
            model(
                "CouponEdit",
                "campaignId",
                status=("active", "pending", "expired"),
                type=("generic", "exclusive", "one_time"),
                types=(
                    "code:string status:string type:string campaignId:string campaignIds:array publisherIds:array "
                    "excludedPubIds:array description:string startDate:string endDate:string payouts:array "
                    "futurePayouts:array"
                ),
            ),
            model(
                "EmailSend",
                template_name=(
                    "publisher_registration",
                    "advertiser_registration",
                    "team_member_registration",
                    "account_approve",
                    "account_rejected",
                    "account_ban",
                ),
                types="template_name:string user_id:string|integer opts:object",
            ),
            model(
                "FraudRuleCreate",
                scope=("click", "conversion", "click_conversion"),
                ipsub=("255.255.255.0", "255.255.255.255"),
                action=("mark", "block"),
                uipvar=("ipaddr", "click_ip"),
                uniqueConvSubIdVar=words("p1 p2 p3 p4 p5 p6 p7 p8 p9 p10"),
                types=(
                    "name:string scope:string publisherIds:array excludedPublisherIds:array advertiserIds:array "
                    "excludedAdvertiserIds:array campaignIds:array excludedCampaignIds:array proxyCheck:number "
                    "dataCenterCheck:number blacklistIpCheck:number unknownDeviceCheck:number ctitRule:number "
                    "ctit:object itetEnable:number itet:object cancelConversions:number uniqueIpCheck:number "
                    "cancelUniqueIpConv:number validateDeviceId:number emptyDeviceId:number ipsub:string "
                    "uniqueIpGoal:string action:string uniqueIpClickLevel:number uipvar:string "
                    "uniqueConvSubId:number uniqueConvSubIdVar:string cancelSubidConversion:number "
                    "googleClickValidator:number"
                ),
            ),
            model(
                "GoalCreate",
                "title",
                "value",
                "type",
                "payout_model",
                "payouts",
                type=("public", "private", "pub_specific"),
                payout_model=("fixed", "percentage"),
                dcs=(None, "approved", "rejected", "cancelled", "pending"),
                types=(
                    "title:string value:string type:string blacklistPostbackPubs:array "
                    "whitelistPostbackPubs:array trackMultiConv:integer payout_model:string payouts:array "
                    "dcs:string"
                ),
            ),
            model(
                "GoalEdit",
                "title",
                "value",
                type=("public", "private", "pub_specific"),
                payout_model=("fixed", "percentage"),
                dcs=(None, "cancelled", "rejected", "approved", "pending"),
                types=(
                    "title:string value:string type:string blacklistPostbackPubs:array "
                    "whitelistPostbackPubs:array trackMultiConv:integer payout_model:string payouts:array "
                    "dcs:string"
                ),
            ),
            model(
                "ImpressionTracking",
                allowImp=(0, 1),
                enableVta=(0, 1),
                serverSideImpression=(0, 1),
                specificPubs=("include", "exclude"),
                types=(
                    "allowImp:integer enableVta:integer whitelistPubsVta:array impressionUrl:string "
                    "serverSideImpression:integer specificPubs:string s2sPubs:array"
                ),
            ),
            model(
                "InvoicesCreate",
                "user_id",
                "prefType",
                "start",
                "end",
                "invCurrency",
                prefType=("campaign", "date_wise", "month_wise"),
                types=(
                    "user_id:string prefType:string start:string end:string invCurrency:string "
                    "skipZeroPayouts:string payoutField:string adjust_inv:array"
                ),
            ),
            model(
                "LandingPage",
                "title",
                "url",
                "status",
                "lpType",
                status=("active", "paused"),
                lpType=("landing", "prelanding", "targeting_group"),
                ruleVariable=("city", "region", "country"),
                types=(
                    "title:string previewLink:string url:string status:string lpType:string description:string "
                    "ruleVariable:string ruleValue:string urls:array"
                ),
            ),
            model(
                "Login", "email", "password", "networkUrl",
                types="email:string password:string networkUrl:string",
            ),
            model(
                "ManagerAssignment",
                types="ids:array manager_ids:array",
            ),
            model(
                "Note",
                types="message:string",
            ),
            model(
                "Payout", "payout", "revenue", "geo",
                types=(
                    "payout:number revenue:number geo:array pubIds:array landingPages:array currency:string "
                    "region:array city:array goalId:string payoutModel:string"
                ),
            ),
            model(
                "PostbackCreate",
                "type",
                "event",
                "data",
                "status",
                "allowedConvStatus",
                "campaignId",
                "publisherId",
                "blockZeroPayoutPb",
                type=("url", "iframe_pixel", "image_pixel", "javascript_pixel"),
                event=("conversion", "goal", "conversion_goal"),
                status=("active", "pending"),
                allowedConvStatus=("approved", "pending", "cancelled", "rejected"),
                types=(
                    "type:string event:string eventId:string data:string status:string allowedConvStatus:string "
                    "campaignId:string|number publisherId:string|number blockZeroPayoutPb:boolean http:object"
                ),
            ),
            model(
                "PostbackEdit",
                type=("url", "iframe_pixel", "image_pixel", "javascript_pixel"),
                event=("conversion", "goal", "conversion_goal"),
                status=("active", "pending"),
                allowedConvStatus=("approved", "pending", "cancelled", "rejected"),
                types=(
                    "type:string event:string eventId:string data:string status:string allowedConvStatus:string "
                    "campaignId:string publisherId:string blockZeroPayoutPb:boolean http:object"
                ),
            ),
            model(
                "PostbackSettings",
                types="goals:array",
            ),
            model(
                "Rule",
                "variable",
                "logic",
                "condition",
                variable=words(
                    "source os device city region country isp gaid idfa app_name app_id aid cr_name sale browser p1 "
                    "p2 p3 p4 p5 p6 p7 p8 p9 p10 sub1 sub2 sub3 sub4 sub5 sub6 sub7 sub8 sub9 sub10 txnId userId "
                    "referer ipaddr conv_ip brand"
                ),
                logic=("allow", "deny"),
                condition=(
                    "equals",
                    "empty",
                    "contains",
                    "regex",
                    "starts_with",
                    "ends_with",
                    "bigger_than",
                    "less_than",
                ),
                types="variable:string logic:string condition:string values:array osVersion:object",
            ),
            model(
                "RulesAdd",
                types="rules:array",
            ),
            model(
                "S2STracking", "serverSideClicks", "s2sPubSetting", s2sPubSetting=("include", "exclude"),
                types="serverSideClicks:integer s2sPubSetting:string s2spubs:array s2sRedirectUrl:string",
            ),
            model(
                "SmartlinkCreate",
                "name",
                "event",
                "type",
                "model",
                event=("click", "impression"),
                status=("active", "pending", "disabled"),
                type=("category", "manual"),
                model=("cpa", "cpc", "cpm", "cpi", "cps", "cpl"),
                types=(
                    "name:string description:string event:string postback:boolean status:string type:string "
                    "model:string categories:array advs:array excludedOffers:array copy:array blockedPubs:array "
                    "allowedPubs:array campaigns:array minp:number maxp:number targeting:object appendUrl:array"
                ),
            ),
            model(
                "SmartlinkEdit",
                event=("click", "impression"),
                status=("active", "pending", "disabled"),
                type=("category", "manual"),
                model=("cpa", "cpc", "cpm", "cpi", "cps", "cpl"),
                types=(
                    "name:string description:string event:string postback:boolean status:string type:string "
                    "model:string categories:array advs:array excludedOffers:array blockedPubs:array "
                    "allowedPubs:array campaigns:array minp:number maxp:number targeting:object appendUrl:array"
                ),
            ),
            model(
                "StatsAdjustment",
                "type",
                "date",
                "campaignId",
                "action",
                "quantity",
                type=("conversions", "clicks", "impressions"),
                action=("add", "remove"),
                types=(
                    "type:string date:string publisherId:string campaignId:string publisherRefId:string "
                    "action:string quantity:number goal:string country:string payout:number revenue:number"
                ),
            ),
            model(
                "SubAccountCreate", "name", "email", "status", status=("active", "pending", "disabled", "paused"),
                types=(
                    "name:string username:string email:string password:string phone:string status:string "
                    "meta:object"
                ),
            ),
            model(
                "SubAccountEdit", status=("active", "pending", "disabled", "paused"),
                types=(
                    "name:string username:string email:string password:string phone:string status:string "
                    "meta:object"
                ),
            ),
            model(
                "TargetingCreate",
                "name",
                "condition",
                "event",
                "rules",
                condition=("and", "or"),
                event=("all", "click", "conversion", "conversion_goal", "goal"),
                types=(
                    "name:string condition:string event:string publisherIds:array excludedPubIds:array "
                    "rules:array"
                ),
            ),
            model(
                "TargetingEdit",
                condition=("and", "or"),
                event=("all", "click", "conversion", "conversion_goal", "goal"),
                types="name:string condition:string event:string publisherIds:array excludedPubIds:array",
            ),
            model(
                "TeamMemberCreate", "name", "email", "type", "status", status=("active", "inactive"),
                types="name:string email:string type:string status:string",
            ),
            model(
                "TeamMemberEdit", status=("active", "inactive"),
                types="name:string email:string type:string status:string",
            ),
            model("Thumbnail", files={"image": IMAGES}),
            model(
                "TrackingDomainCreate", "host", protocol=("http", "https"),
                types="host:string protocol:string def:integer pubs:array",
            ),
            model(
                "TrackingDomainEdit", protocol=("http", "https"),
                types="protocol:string def:integer pubs:array",
            ),
            model(
                "TrackingLinkOptions", random_url=("1",), random_prl=("1",), lp_unilink=("1",), unilink=("1",),
                types=(
                    "tracking_domain:string deeplink:string encode_deeplink:boolean url:string google_ads:boolean "
                    "force_transparent:boolean click_pixel:boolean impression_pixel:boolean url_id:string "
                    "random_url:string prl:string random_prl:string lp_unilink:string unilink:string "
                    "pub_group_id:string rfid:boolean source:string idfa:string gaid:string "
                    "tracking_params:object subIds:object"
                ),
            ),
            model(
                "UserCreate", "name", "email", "password", status=("active", "pending", "disabled", "rejected"),
                # Trackier's getting-started guide: 8-16 characters with upper, lower, digit and one of - @ # $ &.
                formats="email:email password:password",
                types=(
                    "username:string name:string email:string password:string company:string phone:string "
                    "status:string region:object ref_by:string customFields:object bank:object tags:array "
                    "sendEmailOrNot:boolean"
                ),
            ),
            model(
                "UserEdit", status=("active", "pending", "disabled", "rejected"),
                types=(
                    "username:string name:string password:string email:string company:string phone:string "
                    "country:string status:string ref_by:string region:object customFields:object bank:object "
                    "tags:array"
                ),
            ),
        )
    }
)
