"""Reading the text of an uploaded .docx within limits: a zip bomb is refused before anything is unpacked.

A .docx is a zip archive whose ``word/document.xml`` holds the paragraphs. An archive of a few megabytes
can unpack to hundreds (a 5 MB upload to 230 MB of three million paragraphs kept a worker busy for
minutes at about 2 GB when it was read whole with python-docx). So:

1. ``check_archive`` reads only the archive's directory (no decompression) and refuses it when a member
   unpacks to more than ``member_bytes``, all of them to more than ``total_bytes``, a large member is
   compressed more than ``ratio`` to 1, or there are more than ``members``. The sizes it checks are the
   ones reading is held to: ``zipfile`` never returns more than a member's declared size (a lie about it
   fails the CRC check).
2. ``paragraphs`` streams the document part (``iterparse``: one paragraph in memory at a time) and
   stops past ``paragraphs`` paragraphs or ``characters`` characters.

The text is python-docx's ``Paragraph.text`` of each body paragraph and of each paragraph of a
top-level table cell, in document order (a merged cell's text once). Pure Python, no Django: every
refusal is a ``DeliberationError`` whose message names the limit; ``DocumentTooLarge`` marks those.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from imports.document import DeliberationError, Problem

__all__ = ["LIMITS", "DocumentTooLarge", "DocxLimits", "check_archive", "paragraphs", "read_docx"]

_MB = 1024 * 1024


@dataclass(frozen=True)
class DocxLimits:
    members: int = 1000  # a Word document has 10–30 parts; with pictures a few hundred
    member_bytes: int = 20 * _MB  # unpacked, any one part (the Taicang summary's text: 26 KB)
    total_bytes: int = 50 * _MB  # unpacked, all parts together
    ratio: int = 100  # unpacked : packed, for a part of more than ratio_from bytes (Word's own: < 35)
    ratio_from: int = 1 * _MB
    paragraphs: int = 20_000  # the Taicang summary: 100
    characters: int = 1_000_000  # the Taicang summary: 7,602


LIMITS = DocxLimits()


class DocumentTooLarge(DeliberationError):
    """The document exceeds one of the limits; nothing of it was parsed."""

    def __init__(self, message: str) -> None:
        super().__init__([Problem(0, "", message)])


def _mb(n: int) -> str:
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n / 1024:.0f} KB"


def _broken() -> DeliberationError:
    return DeliberationError([Problem(0, "", "无法读取.docx文件（文件已损坏或不是Word文档）")])


def check_archive(archive: zipfile.ZipFile, limits: DocxLimits = LIMITS) -> None:
    """Refuse the archive from its directory alone: no member is unpacked."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise DocumentTooLarge(
            f"Word文档包含{len(members)}个部件，超过{limits.members}个的上限（可能是压缩炸弹），未读取。"
        )
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.member_bytes:
            raise DocumentTooLarge(
                f"Word文档的部件“{member.filename}”解压后为{_mb(member.file_size)}，"
                f"超过每个部件{_mb(limits.member_bytes)}的上限（可能是压缩炸弹），未读取。"
            )
        if member.file_size > limits.ratio_from and member.file_size > limits.ratio * max(
            member.compress_size, 1
        ):
            raise DocumentTooLarge(
                f"Word文档的部件“{member.filename}”压缩比为{member.file_size // max(member.compress_size, 1)}:1，"
                f"超过{limits.ratio}:1的上限（可能是压缩炸弹），未读取。"
            )
    if total > limits.total_bytes:
        raise DocumentTooLarge(
            f"Word文档解压后共{_mb(total)}，超过{_mb(limits.total_bytes)}的上限（可能是压缩炸弹），未读取。"
        )


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _HYPERLINK, _BODY, _TBL, _TR, _TC = (
    f"{_W}p",
    f"{_W}r",
    f"{_W}hyperlink",
    f"{_W}body",
    f"{_W}tbl",
    f"{_W}tr",
    f"{_W}tc",
)
_TEXT = f"{_W}t"
_AS_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_BR = f"{_W}br"
_BR_TYPE = f"{_W}type"
_RELS = "_rels/.rels"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _document_part(archive: zipfile.ZipFile) -> str:
    """The main document part's name, from the package relationships (usually word/document.xml)."""
    names = set(archive.namelist())
    if _RELS in names:
        root = ElementTree.fromstring(archive.read(_RELS))  # checked small by check_archive
        for rel in root.iter(_REL):
            if rel.get("Type") == _OFFICE_DOCUMENT:
                target = posixpath.normpath(rel.get("Target", "").lstrip("/"))
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    raise _broken()


def paragraphs(archive: zipfile.ZipFile, limits: DocxLimits = LIMITS) -> Iterator[str]:
    """The text of each paragraph python-docx reads, streamed; refuses past the limits.

    Every element is dropped from the tree once it has been read, so memory holds one path from the
    root, whatever the document's size; every paragraph counts towards the limit, read or not.
    """
    count = characters = 0
    stack: list[ElementTree.Element] = []
    pieces: list[str] = []
    with archive.open(_document_part(archive)) as part:
        for event, element in ElementTree.iterparse(part, events=("start", "end")):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            tag = element.tag
            if tag == _P:
                count += 1
                if count > limits.paragraphs:
                    raise DocumentTooLarge(
                        f"Word文档超过{limits.paragraphs}段的上限，未读取（审议情况汇总通常只有几百段）。"
                    )
                parents = [e.tag for e in stack[-4:]]
                if parents[-1:] == [_BODY] or parents == [_BODY, _TBL, _TR, _TC]:
                    text = "".join(pieces)
                    characters += len(text)
                    if characters > limits.characters:
                        raise DocumentTooLarge(
                            f"Word文档超过{limits.characters}个字的上限，未读取（审议情况汇总通常只有几万字）。"
                        )
                    yield text
                pieces.clear()
            elif (tag == _TEXT or tag == _BR or tag in _AS_TEXT) and _read_by_python_docx(stack):
                if tag == _TEXT:
                    pieces.append(element.text or "")
                elif tag == _BR:
                    pieces.append("\n" if element.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
                else:
                    pieces.append(_AS_TEXT[tag])
            element.clear()
            if stack:
                stack[-1].remove(element)


def _read_by_python_docx(stack: list[ElementTree.Element]) -> bool:
    """A run's content counts where python-docx reads it: in w:p/w:r or w:p/w:hyperlink/w:r."""
    tags = [e.tag for e in stack[-3:]]
    return tags[-2:] == [_P, _R] or tags == [_P, _HYPERLINK, _R]


def read_docx(data: bytes, limits: DocxLimits = LIMITS) -> str:
    """The document's paragraphs, one a line; raises only ``DeliberationError``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _broken() from None
    with archive:
        check_archive(archive, limits)
        try:
            return "\n".join(paragraphs(archive, limits))
        except DeliberationError:
            raise
        except Exception:  # a broken part, a bad XML, a bad CRC: any failure of the reader
            raise _broken() from None
