"""A report Document in each format: PDF, Excel, CSV, JSON, and HTML (preview and PDF source)."""
