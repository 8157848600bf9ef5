"""Analytics: runs over a tenant's ledger, and what they store.

The engines are pure library code over small dataclasses (no database, API or Celery code):
`descriptors` cleans bank descriptors, `merchants` groups the cleaned names, `schedules` and
`recurring` find recurring charges and income; `anomalies` and `forecasting` hold their engine
beside their step and router. A run (`service`, `tasks`) is the database side: its steps
(merchants, categorize, recurring, anomalies, forecast) each replace what they found, in the
run's transaction, never committing; the routers read it back.
"""
