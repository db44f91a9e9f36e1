"""``TrackierCreateTrackingLinkOperator``: a publisher's tracking link for a campaign."""

from __future__ import annotations

from typing import Any

from trackier_provider.operators.generic import TrackierOperator


class TrackierCreateTrackingLinkOperator(TrackierOperator):
    """Generate the tracking link of a publisher for a campaign (``tracking_links.create``).

    Generating a link changes nothing in Trackier, so the call is repeated freely. Returns Trackier's answer:
    ``url``/``tracking_url``, ``shortLink`` and, when asked for, ``click_pixel``/``impression_pixel``.

    :param campaign_id: the campaign (numeric or hash id, templated).
    :param publisher_id: the publisher (numeric or hash id, templated).
    :param options: link options (templated): ``tracking_domain``, ``deeplink``, ``url``, ``source``,
        ``tracking_params`` (``{"p1": ...}``), ``click_pixel``, ... as the catalogue's TrackingLinkOptions.
    """

    def __init__(self, *, campaign_id: Any, publisher_id: Any, options: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(operation="tracking_links.create", data=options or {},
                         path_params={"campaign_id": campaign_id, "publisher_id": publisher_id}, **kwargs)
