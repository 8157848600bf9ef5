"""Analytics engine (issue 6): pure library code over small dataclasses.

This slice holds no database, API or Celery code: `descriptors` cleans bank descriptors,
`merchants` groups the cleaned names, `recurring` finds recurring charges and income.
"""
