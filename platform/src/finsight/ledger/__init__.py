"""The ledger: the one path by which rows enter an organization's books, whatever their source."""
