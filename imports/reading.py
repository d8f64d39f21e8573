"""Reading a deliberation summary's file: a .txt in one of the encodings offices use, or a .docx.

Pure Python: no Django imports. Raises only ``DeliberationError``; a .docx is read within the limits of
``imports.docx`` (a zip bomb is refused before anything is unpacked).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from imports.document import DeliberationError, Problem
from imports.docx import read_docx

__all__ = ["read_document"]

_ZIP_MAGIC = b"PK\x03\x04"


def read_document(
    path_or_bytes: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO,
    filename: str | None = None,
) -> str:
    """Return the text of a .txt (UTF-8 with/without BOM, UTF-16 with BOM, or GB18030) or .docx file.

    ``path_or_bytes`` is a path, the file's bytes, or a binary file object.  ``filename`` (optional)
    supplies the name when bytes are given; a ``.docx`` suffix or the zip magic bytes select the Word
    reader.  Line endings are normalised to ``\\n``.  Raises only :class:`DeliberationError`.
    """
    try:
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            data = bytes(path_or_bytes)
        elif isinstance(path_or_bytes, (str, os.PathLike)):
            path = Path(path_or_bytes)
            filename = filename or path.name
            data = path.read_bytes()
        elif hasattr(path_or_bytes, "read"):
            data = path_or_bytes.read()
            if not isinstance(data, (bytes, bytearray)):
                raise DeliberationError([Problem(0, "", "文件对象应以二进制方式打开")])
            data = bytes(data)
            filename = filename or getattr(path_or_bytes, "name", None)
        else:
            raise DeliberationError([Problem(0, "", "无法识别的输入类型")])
    except DeliberationError:
        raise
    except Exception:  # any other failure of the reader
        raise DeliberationError([Problem(0, "", f"无法读取文件“{filename or path_or_bytes}”")]) from None

    is_docx = data.startswith(_ZIP_MAGIC) or str(filename or "").lower().endswith(".docx")
    text = read_docx(data) if is_docx else _decode_text(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DeliberationError([Problem(0, "", "无法识别文件编码（应为UTF-8或GB18030）")]) from None
