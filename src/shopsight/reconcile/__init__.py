"""Revenue reconciliation: the sales system's numbers against the warehouse's, cause by cause."""

from shopsight.reconcile.match import reconcile
from shopsight.reconcile.result import Reconciliation
from shopsight.reconcile.sales import SalesSourceError

__all__ = ["Reconciliation", "SalesSourceError", "reconcile"]
