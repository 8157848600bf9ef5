"""`python -m bench.eval`: the analytics evaluation against a seeded generator's truth."""
