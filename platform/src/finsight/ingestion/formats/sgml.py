"""A small, tolerant reader for OFX markup: 1.x SGML (leaf tags left open) and 2.x XML alike.

It does not build a tree. It streams elements as (TAG, value) pairs: value is the text of a
leaf (`<TRNAMT>-12.34`, closed or not), None for an aggregate's opening tag, and a closing tag
comes as ("/TAG", None). Processing instructions, comments and unknown junk are skipped, so
the many slightly-off files banks produce still read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from finsight.ingestion.records import StatementError

Element = tuple[str, str | None]

_TOKEN = re.compile(r"<([^<>]*)>|([^<]+)")
_HEADER_FIELD = re.compile(r"([A-Za-z]+)\s*:\s*([^\s<]*)")
_XML_ENCODING = re.compile(r"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.I)

# OFX 1.x header ENCODING/CHARSET -> Python codec.
_SGML_CHARSETS = {
    ("USASCII", "1252"): "cp1252",
    ("USASCII", "ISO-8859-1"): "latin-1",
    ("USASCII", "8859-1"): "latin-1",
    ("USASCII", "NONE"): "ascii",
    ("USASCII", ""): "ascii",
}
_XML_CODECS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
}


def declared_encoding(head: bytes) -> tuple[str, str | None]:
    """The codec a file's header declares, and how to name it in a message (None: UTF-8)."""
    text = head.decode("latin-1").removeprefix("\u00ef\u00bb\u00bf")  # a UTF-8 BOM, if any
    prolog = text[: text.find("<")] if "<" in text else text
    fields = {key.upper(): value.upper() for key, value in _HEADER_FIELD.findall(prolog)}
    if fields.get("OFXHEADER"):
        encoding, charset = fields.get("ENCODING", "USASCII"), fields.get("CHARSET", "")
        if encoding in ("UTF-8", "UTF8", "UNICODE"):
            return "utf-8", None
        codec = _SGML_CHARSETS.get((encoding, charset))
        if codec is None:
            raise StatementError(
                f"the OFX header declares ENCODING:{encoding} CHARSET:{charset or '(none)'}; "
                "expected ENCODING:USASCII with CHARSET 1252, ISO-8859-1 or NONE, "
                "or ENCODING:UTF-8"
            )
        return codec, f"{encoding}/{charset or 'NONE'}"
    found = _XML_ENCODING.search(text[:1024])
    if found is None or _XML_CODECS.get(found.group(1).lower()) == "utf-8":
        return "utf-8", None
    codec = _XML_CODECS.get(found.group(1).lower())
    if codec is None:
        raise StatementError(
            f"the XML declaration names encoding '{found.group(1)}'; "
            "expected UTF-8, US-ASCII, ISO-8859-1 or windows-1252"
        )
    return codec, found.group(1)


def elements(pieces: Iterable[str]) -> Iterator[Element]:
    """(TAG, text) for a leaf, (TAG, None) opening an aggregate, ("/TAG", None) closing one.

    The OFX 1.x header (`OFXHEADER:100 ...`) is text before the first tag and is skipped.
    """
    pending: str | None = None  # a tag whose text is still being read
    texts: list[str] = []
    for piece in pieces:
        for match in _TOKEN.finditer(piece):
            tag, text = match.group(1), match.group(2)
            if tag is None:
                if pending is not None:
                    texts.append(text)
                continue
            if pending is not None:
                yield pending, _value(texts)
                pending, texts = None, []
            if not tag or tag[0] in "?!":
                continue  # <?xml ...?>, <?OFX ...?>, <!-- ... -->, <!DOCTYPE ...>
            name = tag.split(None, 1)[0].upper() if tag.strip() else ""
            if not name:
                continue
            if name[0] == "/":
                yield name, None
            elif name.endswith("/"):
                yield name[:-1], ""  # <MEMO/>: an empty leaf
            else:
                pending = name
    if pending is not None:
        yield pending, _value(texts)


def _value(texts: list[str]) -> str | None:
    text = "".join(texts).strip()
    if not text:
        return None
    return html.unescape(text) if "&" in text else text
