"""Bank sync with Plaid: connect an institution, sync its transactions into the ledger exactly
once, follow the item's health and Plaid's webhooks (issue 15)."""
