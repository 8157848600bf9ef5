"""Forecasts: net cash flow per account and spending per category, 1-3 whole months ahead.

A monthly series is split in two. Known recurring items (the recurring detector's streams) are
placed deterministically in the months their due dates fall in, and their past occurrences are
taken out of the history (`placement`). What is left goes to an ensemble of simple models
(`methods`: the median of trailing mean, trailing median, drift-free ETS and seasonal naive).
A rolling-origin backtest on the series' own history (`backtest`), with placement replayed as
of each origin, decides per series whether that beats seasonal naive on the whole series (naive
while the history is too short to test it) and gives the empirical residuals the 80% interval
is read from, step by step (`forecast`).
`service` is the run's step and the reader; `router` serves `GET /api/analytics/forecast`.

The current month is never history while it is incomplete: forecasts are of whole months after
it, and the backtest measures the models at the same distance from their last complete month.
"""
