"""`finsight dev`: the whole platform on embedded PostgreSQL and Redis under DATA_DIR."""
