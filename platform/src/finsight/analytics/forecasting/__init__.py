"""Forecasts: net cash flow per account and spending per category, 1-3 whole months ahead.

A monthly series is split in two. Known recurring items (the recurring detector's streams) are
placed deterministically in the months their next dates fall in, and their past occurrences are
taken out of the history. What is left goes to an ensemble of simple models (`methods`); a
rolling-origin backtest on the series' own history (`backtest`) decides, per series, whether
the ensemble beats seasonal naive (naive when the history is shorter than 13 months) and gives
the empirical residuals the 80% interval is drawn from, horizon by horizon (`forecast`).
`service` is the run's step and the reader; `router` serves `GET /api/analytics/forecast`.

The current month is never history while it is incomplete: forecasts are of whole months after
it, and the backtest measures the models at the same distance from their last complete month.
"""
