"""Reconcile logic, called from the registrations in finsight_operator.main."""
