"""OpenLineage for Trackier operators: what a fetch read and wrote, which object a create touched.

Used only when the OpenLineage provider is installed (``pip install airflow-provider-trackier[openlineage]``);
importing this module never imports it. The operators record what ``execute`` did in a ``FetchRun`` or
``CreateRun`` and hand it here from ``get_openlineage_facets_on_complete``.

Naming (see ``docs/lineage.md``):

- A Trackier operation is a dataset in the namespace of the API's origin (``https://api.trackier.com``, or the
  emulator's ``http://127.0.0.1:PORT``) named by its path (``/v2/reports/campaign``). A windowed fetch adds the
  input facet ``trackierQuery`` (``start``, ``end``, ``timezone``).
- A written file follows OpenLineage's naming: ``file`` + absolute path for local files, ``s3://bucket`` +
  key (likewise ``gs``, ``memory``, ...) for URLs, with credentials, query and fragment removed. Its
  ``outputStatistics`` facet holds the row count.
- A create reports the collection it wrote to (``/v2/publishers``) as its output, with the output facet
  ``trackierObject`` (``kind``, ``id``, ``created``: false when an existing object was returned).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trackier_provider.outputs import asset_uri

if TYPE_CHECKING:
    from trackier_provider.windows import Window

log = logging.getLogger(__name__)

#: Where the custom facets are described (their ``_schemaURL``).
FACETS_DOC = "https://airflow-provider-trackier.readthedocs.io/en/stable/lineage.html"


@dataclass
class FetchRun:
    """What one ``execute`` of a fetch read and wrote."""

    window: Window | None
    #: The API paths read, in order of first read.
    endpoints: list[str] = field(default_factory=list)
    output_uri: str | None = None
    rows: int | None = None

    def read(self, endpoint: str) -> None:
        """Note a path that was read."""
        if endpoint not in self.endpoints:
            self.endpoints.append(endpoint)

    def wrote(self, output_uri: str | None, rows: int) -> None:
        """Note where the records went (None: XCom) and how many there were."""
        self.output_uri = output_uri
        self.rows = rows


@dataclass(frozen=True)
class CreateRun:
    """The object one ``execute`` of a create returned, and whether it created it."""

    object_id: Any
    created: bool
    #: The collection written (the create operation's path, e.g. ``/v2/publishers``).
    path: str


def _openlineage() -> Any:
    """The OpenLineage provider's ``OperatorLineage``, or None when the provider is not installed."""
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        log.debug("OpenLineage provider not installed: no lineage for Trackier operators")
        return None
    return OperatorLineage


@cache
def _facet_classes() -> tuple[type, type]:
    """The two custom facets, built on first use so this module imports without OpenLineage."""
    import attr
    from openlineage.client.generated.base import InputDatasetFacet, OutputDatasetFacet

    @attr.define
    class TrackierQueryInputDatasetFacet(InputDatasetFacet):
        """The window a Trackier fetch asked for: ISO start (inclusive), end (exclusive), IANA timezone."""

        start: str
        end: str
        timezone: str

        @staticmethod
        def _get_schema() -> str:
            return f"{FACETS_DOC}#trackierquery"

    @attr.define
    class TrackierObjectOutputDatasetFacet(OutputDatasetFacet):
        """The object a Trackier create returned; ``created`` is false when it already existed."""

        kind: str
        id: str
        created: bool

        @staticmethod
        def _get_schema() -> str:
            return f"{FACETS_DOC}#trackierobject"

    return TrackierQueryInputDatasetFacet, TrackierObjectOutputDatasetFacet


def api_namespace(base_url: str) -> str:
    """The dataset namespace of a Trackier API: its origin, never credentials or a path."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def storage_dataset(uri: str) -> tuple[str, str]:
    """``(namespace, name)`` of a written file or object, per OpenLineage's naming conventions."""
    parts = urlsplit(asset_uri(uri))
    if parts.scheme == "file":
        return "file", parts.path
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}", parts.path.lstrip("/") or "/"


def _begin(operator: Any) -> tuple[Any, Any, str] | None:
    """``OperatorLineage``, what ``execute`` recorded and the API's namespace; None: nothing to report."""
    operator_lineage = _openlineage()
    run = getattr(operator, "lineage_run", None)
    if operator_lineage is None or run is None:
        return None
    return operator_lineage, run, api_namespace(operator.hook.settings.base_url)


def fetch_lineage(operator: Any) -> Any:
    """``OperatorLineage`` of a fetch that completed: the endpoints read as inputs, the file as output."""
    begun = _begin(operator)
    if begun is None:
        return None
    operator_lineage, run, namespace = begun
    from openlineage.client.generated.base import InputDataset, OutputDataset
    from openlineage.client.generated.output_statistics_output_dataset import OutputStatisticsOutputDatasetFacet

    query_facet, _ = _facet_classes()
    input_facets = {}
    if run.window is not None:
        window = run.window.describe()
        input_facets["trackierQuery"] = query_facet(window["start"], window["end"], window["timezone"])
    inputs = [InputDataset(namespace, path, inputFacets=dict(input_facets)) for path in run.endpoints]
    outputs = []
    if run.output_uri is not None:
        out_namespace, out_name = storage_dataset(run.output_uri)
        statistics = OutputStatisticsOutputDatasetFacet(rowCount=run.rows)
        outputs.append(OutputDataset(out_namespace, out_name, outputFacets={"outputStatistics": statistics}))
    return operator_lineage(inputs=inputs, outputs=outputs)


def create_lineage(operator: Any) -> Any:
    """``OperatorLineage`` of a create that completed: the collection written, with the object's id."""
    begun = _begin(operator)
    if begun is None:
        return None
    operator_lineage, run, namespace = begun
    from openlineage.client.generated.base import OutputDataset

    _, object_facet = _facet_classes()
    facet = object_facet(operator.kind, str(run.object_id), run.created)
    output = OutputDataset(namespace, run.path, outputFacets={"trackierObject": facet})
    return operator_lineage(inputs=[], outputs=[output])
