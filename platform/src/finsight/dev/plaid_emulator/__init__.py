"""A local Plaid (see server.py)."""

from finsight.dev.plaid_emulator.server import CLIENT_ID, SECRET, PlaidEmulator
from finsight.dev.plaid_emulator.state import INSTITUTIONS, Banks, Item, transaction

__all__ = ["CLIENT_ID", "INSTITUTIONS", "SECRET", "Banks", "Item", "PlaidEmulator", "transaction"]
