"""Bank statement parsers: Chase, Discover, Capital One CSVs, OFX/QFX, QIF and mapped CSVs.

Pure Python: no database, no HTTP. `parse_statement` streams rows lazily so a large file is
parsed while the importer loads it.
"""

from finsight.ingestion.formats.detect import detect_format
from finsight.ingestion.formats.statement import parse_statement
from finsight.ingestion.records import FORMATS

__all__ = ["FORMATS", "detect_format", "parse_statement"]
