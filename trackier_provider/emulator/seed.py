"""Seeded synthetic objects: campaign *n*, publisher *n*, ... are pure functions of (seed, n).

Nothing here is stored; :mod:`trackier_provider.emulator.store` overlays what the API creates or edits.
"""

from __future__ import annotations

from typing import Any

from trackier_provider.emulator.rng import draw, hex_id, iso, pick, stream, unit

CATALOG_EPOCH = 1672531200  # 2023-01-01T00:00:00Z: seeded objects are created during 2023
COUNTRIES = ("US", "GB", "IN", "DE", "FR", "BR", "ID", "CA", "AU", "ES")
CURRENCIES = ("USD", "USD", "USD", "EUR", "INR")
CAMPAIGN_STATUSES = ("active", "active", "active", "active", "paused", "pending", "disabled", "expired")
USER_STATUSES = ("active", "active", "active", "active", "pending", "disabled")
MODELS = ("cpa", "cpa", "cpi", "cps", "cpl", "cpc")
DEVICES = ("desktop", "mobile", "tablet")
OSES = ("android", "ios", "windows", "macOs")
VISIBILITIES = ("public", "public", "private", "permission")
CATEGORY_NAMES = ("Travel", "Finance", "Gaming", "E-commerce", "Health", "Education", "Dating", "Utilities")
WORDS = ("Alpha", "Nova", "Summit", "Blue", "Rapid", "Prime", "Lunar", "Vertex", "Orbit", "Zen", "Pixel", "Atlas")
NOUNS = ("Shop", "Bank", "Games", "Travel", "Fit", "Learn", "Cloud", "Media", "Deals", "Apps")


class Seeds:
    """Factories for the seeded catalogue of one emulator (one seed)."""

    def __init__(self, seed: int, advertisers: int, publishers: int) -> None:
        self.seed = seed
        self.advertisers = advertisers
        self.publishers = publishers
        self._salts = {kind: stream(seed, kind) for kind in
                       ("campaign", "publisher", "advertiser", "coupon", "category", "payout")}

    def salt(self, kind: str) -> int:
        """The hash stream of one object kind."""
        return self._salts[kind]

    def hash_id(self, kind: str, number: int) -> str:
        """The stable 24-hex ``hashId`` of seeded object ``number`` of ``kind``."""
        return hex_id(self._salts[kind], number)

    def _created(self, kind: str, number: int) -> float:
        return CATALOG_EPOCH + number * 3600 + draw(self._salts[kind], number) % 3600

    def advertiser_of(self, campaign_id: int) -> int:
        """The seeded advertiser of seeded campaign ``campaign_id``."""
        return (campaign_id - 1) % self.advertisers + 1

    def campaign(self, number: int) -> dict[str, Any]:
        """Seeded campaign ``number`` shaped like Trackier's Campaign model."""
        h = draw(self._salts["campaign"], number)
        created = self._created("campaign", number)
        hash_id = self.hash_id("campaign", number)
        currency = pick(h >> 3, CURRENCIES)
        model = pick(h >> 7, MODELS)
        geo = sorted({pick(h >> 11, COUNTRIES), pick(h >> 17, COUNTRIES)})
        payout = round(1 + unit(h) * 19, 2)
        return {
            "id": number,
            "hashId": hash_id,
            "advertiserId": str(self.advertiser_of(number)),
            "title": f"{pick(h >> 23, WORDS)} {pick(h >> 29, NOUNS)} {model.upper()} #{number}",
            "description": f"Seeded campaign {number}",
            "url": f"https://offers.example.com/c/{number}?click_id={{click_id}}&pub_id={{publisher_id}}",
            "previewUrl": f"https://offers.example.com/preview/{number}",
            "categories": [pick(h >> 31, CATEGORY_NAMES)],
            "currency": currency,
            "commModel": model,
            "geo": geo,
            "device": [pick(h >> 37, DEVICES)],
            "os": [pick(h >> 41, OSES)],
            "status": pick(h >> 43, CAMPAIGN_STATUSES),
            "visibility": pick(h >> 47, VISIBILITIES),
            "convTracking": "postback",
            "redirectType": "302",
            "defaultGoalName": "Install" if model == "cpi" else "Conversion",
            "trafficChannels": [],
            "tags": [],
            "created": iso(created),
            "modified": iso(created + 86400),
            "payouts": [self.payout(hash_id, number, 1, currency, model, payout, geo, created)],
        }

    def payout(self, campaign_hash: str, campaign_id: int, position: int, currency: str, model: str,
               payout: float, geo: list[str], created: float) -> dict[str, Any]:
        """A Payout-model row of a campaign (payout and revenue as 2-decimal numbers)."""
        return {
            "_id": hex_id(self._salts["payout"], campaign_id * 1000 + position),
            "campaignId": campaign_hash,
            "currency": currency,
            "model": model,
            "payout": round(payout, 2),
            "revenue": round(payout * 1.35, 2),
            "geo": list(geo),
            "created": iso(created),
        }

    def _user(self, kind: str, number: int) -> dict[str, Any]:
        h = draw(self._salts[kind], number)
        created = self._created(kind, number)
        first = pick(h >> 5, WORDS)
        company = f"{first} {pick(h >> 9, NOUNS)} {kind.title()} {number}"
        currency = pick(h >> 13, CURRENCIES)
        return {
            "id": number,
            "hashId": self.hash_id(kind, number),
            "name": f"{first} {kind.title()} {number}",
            "username": f"{kind}{number}",
            "email": f"{kind}{number}@example.com",
            "company": company,
            "phone": f"+1555{number:07d}",
            "status": pick(h >> 17, USER_STATUSES),
            "currency": currency,
            "region": {"currency": currency, "lang": "en", "country": pick(h >> 21, COUNTRIES)},
            "tags": [],
            "created": iso(created),
            "modified": iso(created + 3600),
        }

    def publisher(self, number: int) -> dict[str, Any]:
        """Seeded publisher ``number`` shaped like Trackier's Publisher model (no password, ever)."""
        user = self._user("publisher", number)
        user.update({"is_demo": False, "unsubscribe": False, "blockedSources": [], "macro": {},
                     "managers": [], "login": None})
        return user

    def advertiser(self, number: int) -> dict[str, Any]:
        """Seeded advertiser ``number`` shaped like Trackier's Advertiser model."""
        user = self._user("advertiser", number)
        user.update({"meta": {"security_token": self.hash_id("advertiser", number * 7919)[:20]},
                     "managers": [], "blockedPubs": []})
        return user

    def coupon(self, number: int, campaign: dict[str, Any]) -> dict[str, Any]:
        """Seeded coupon ``number`` for ``campaign``."""
        h = draw(self._salts["coupon"], number)
        created = self._created("coupon", number)
        return {
            "_id": self.hash_id("coupon", number),
            "code": f"SAVE{number:03d}{pick(h >> 3, WORDS).upper()}",
            "campaignId": str(campaign["id"]),
            "publisherIds": [str(h % self.publishers + 1)],
            "excludedPubIds": [],
            "description": f"Seeded coupon {number}",
            "status": pick(h >> 7, ("active", "active", "pending", "expired")),
            "type": pick(h >> 11, ("generic", "exclusive", "one_time")),
            "startDate": iso(created),
            "endDate": iso(created + 365 * 86400),
            "created": iso(created),
            "createdBy": "seed",
            "payouts": [{"model": "cpa", "currency": campaign["currency"], "payout": 2 + h % 8,
                         "revenue": 3 + h % 10}],
        }

    def category(self, number: int) -> dict[str, Any]:
        """Seeded category ``number`` (1-based) from a fixed list of names."""
        return {"_id": self.hash_id("category", number), "name": CATEGORY_NAMES[number - 1],
                "created": iso(self._created("category", number))}
