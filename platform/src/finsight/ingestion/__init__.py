"""Bringing statements in: file parsers (formats/), column mappings, import batches."""
