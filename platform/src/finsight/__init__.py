"""finsight: a multi-tenant financial analytics platform."""

__version__ = "0.1.0"
