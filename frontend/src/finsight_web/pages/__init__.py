"""The dashboard's pages: `PAGES` is the one list of page modules, mounted in this order; those
that declare a `NAV` item appear in the top bar in this order too."""

from finsight_web.pages import (
    accounts,
    alerting_settings,
    alerts,
    auth,
    budgets,
    categories,
    connections,
    dev_mail,
    entry,
    imports,
    insights,
    invitations,
    merchants,
    overview,
    report_schedules,
    reports,
    review,
    rules,
    settings,
    transactions,
    two_factor,
)

PAGES = (
    auth,
    overview,
    accounts,
    entry,  # before transactions: its /transactions/new precedes /transactions/{id}
    transactions,
    budgets,
    alerts,
    insights,
    review,
    rules,
    merchants,
    report_schedules,  # before reports: /reports/schedules is not /reports/{id}
    reports,
    imports,
    connections,
    settings,
    alerting_settings,
    categories,
    invitations,
    two_factor,
    dev_mail,
)
