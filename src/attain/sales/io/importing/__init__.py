"""Set-based import of sales facts from a file: parse whole columns, resolve references, check every row,
then write all or nothing.

Flow: read (``reading``) → map headers to canonical fields (``fields`` / ``profiles``) → parse each column
with Polars expressions (``parsing``; the scalar parser explains only the rejected cells) → resolve reps,
customers, products, stages, units and orders with one query per table → cross-row rules (duplicate
external ids, credit splits, collections beyond the open amount including earlier rows of the same file) →
in one transaction, set-wise upsert through ``sql``. Re-importing the same file changes nothing. Every run is
recorded as an ``ImportBatch``; a failed one is recorded after the rollback, with its errors.
"""

from attain.sales.io.importing._common import (
    ImportResult,
    Progress,
    error_dict,
)
from attain.sales.io.importing.run import (
    facts_import,
    import_allowed,
)

__all__ = [
    "ImportResult",
    "Progress",
    "error_dict",
    "facts_import",
    "import_allowed",
]
