"""Anomalies (issue 6, capability 5): charges and spending that do not look like the tenant's own
history.

Pure library code over small dataclasses (`model`): `detect_anomalies` (in `engine`) runs the
detectors and ranks what they found on one 0-1 score.

- spike (`detectors`): an amount far above the merchant's own history, measured with the median
  and the median absolute deviation; a fixed-price subscription has no spread, so the spread is
  floored at a share of the median (a 10% price rise is not a spike, a doubling is). Where the
  merchant has too little history, the category's history is the reference instead.
- duplicate (`detectors`): the same amount at the same merchant on the same account within 0-2
  days, scored by how unlikely the coincidence is for that merchant (how often the person goes
  there and how often they pay exactly that amount): two $4.50 lattes a day at a favourite cafe
  are common, a second $89.99 charge one day after the first is not.
- large_first_charge (`detectors`): the first charge at a merchant, large against what the
  tenant (and the charge's category) usually spend.
- category_pace (`detectors`): a category's month-to-date spending far ahead of where it usually
  is by that day of the month.
- outlier (`outliers`): a scikit-learn isolation forest (seeded) over amount, log amount, the
  amount against the merchant's median, how often the merchant is visited, days since the last
  visit and how unusual the weekday is for the merchant.

The service (`service`) stores what a run finds in `anomalies` (one row per kind and subject, so
reruns never duplicate a row or reset a person's confirm or dismiss) and publishes each new one
whose score reaches `ALERT_THRESHOLD` to the `analytics_events` outbox.
"""

from finsight.analytics.anomalies.engine import ALERT_THRESHOLD, detect_anomalies
from finsight.analytics.anomalies.model import Anomaly, Settings, Txn

__all__ = ["ALERT_THRESHOLD", "Anomaly", "Settings", "Txn", "detect_anomalies"]
