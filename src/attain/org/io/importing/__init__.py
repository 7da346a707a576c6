"""Bulk import of units, people and memberships: validate everything, report every problem, write all or nothing.

Loading is set-based (one query per table), writing is bulk. Rows are matched by unit code, employee number
and (person, unit, role, start date), so importing the same file twice changes nothing the second time.
"""

from attain.org.io.importing._common import OrgImportResult
from attain.org.io.importing.run import org_import

__all__ = [
    "OrgImportResult",
    "org_import",
]
