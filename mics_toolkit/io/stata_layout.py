"""Checking that a Stata ``.dta`` file is complete before the C reader opens it.

The C reader (ReadStat, through pyreadstat) stops quietly at the end of a ``.dta`` file that
was cut short in its value-label section: the values come back and the labels are lost,
without an error. :func:`check_dta_complete` walks the file's layout from its header, using
only the sizes the file declares, and raises :class:`~mics_toolkit.errors.ReadError` when the
file is shorter than its layout says. It reads the header and the value-label headers, never
the data. Bytes after the end of the layout (padding) are left alone, as the reader does.

Formats checked:

- 117, 118, 119, 120, 121 (Stata 13 and later, the tagged format): the ``<map>`` in the
  header gives the offset of every section, the last one being the end of the file; the file
  must have at least that many bytes, in order, with ``</stata_dta>`` where the map says.
- 113, 114, 115 (Stata 8 to 12): the header gives the number of variables and rows, hence the
  end of the data; after it, value-label tables (each with its length) must fill the rest of
  the file, up to trailing zero bytes.

A file cut exactly between two value-label tables of an old-format file cannot be told from a
file with fewer tables; older formats (102-112) are left to the reader.
"""

from __future__ import annotations

import itertools
import os
import struct

from mics_toolkit.errors import ReadError

__all__ = ["check_dta_complete"]

_TAGGED_START = b"<stata_dta><header><release>"
_TAGGED_END = b"</stata_dta>"
_N_MAP = 14
# widths of the numeric storage types of formats 113-115 (byte, int, long, float, double)
_OLD_WIDTHS = {251: 1, 252: 2, 253: 4, 254: 4, 255: 8}


def check_dta_complete(file_name: str) -> None:
    """Raise :class:`ReadError` when a ``.dta`` file is shorter than its layout says.

    Parameters
    ----------
    file_name : str
        Path of a ``.dta`` file.

    Raises
    ------
    ReadError
        The file is truncated or its header is inconsistent; the message names the file, its
        size and where its layout says it should end.
    """
    try:
        with open(file_name, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            start = handle.read(len(_TAGGED_START) + 3)
            if start.startswith(_TAGGED_START):
                _check_tagged(handle, file_name, size, start[len(_TAGGED_START):])
            elif start and start[0] in (113, 114, 115):
                _check_old(handle, file_name, size, start[0])
    except OSError as error:
        raise ReadError(
            f"cannot read {file_name}: {error.strerror or error}", path=file_name
        ) from error


def _truncated(file_name: str, size: int, detail: str) -> ReadError:
    return ReadError(
        f"cannot read {file_name}: the file is truncated or damaged ({size} bytes; {detail}). "
        "Copy it again from its source.",
        path=file_name,
    )


def _expect(handle, tag: bytes, file_name: str, size: int) -> None:
    if handle.read(len(tag)) != tag:
        raise _truncated(file_name, size, f"the header lacks {tag.decode()!r}")


def _check_tagged(handle, file_name: str, size: int, release_bytes: bytes) -> None:
    """Formats 117-121: check the section map against the file size."""
    try:
        release = int(release_bytes.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise _truncated(file_name, size, "its release number is not readable") from None
    if release < 117 or release > 121:
        return
    _expect(handle, b"</release><byteorder>", file_name, size)
    order = handle.read(3)
    if order not in (b"MSF", b"LSF"):
        raise _truncated(file_name, size, "its byte order is not readable")
    endian = ">" if order == b"MSF" else "<"
    _expect(handle, b"</byteorder><K>", file_name, size)
    handle.read(4 if release in (119, 121) else 2)
    _expect(handle, b"</K><N>", file_name, size)
    handle.read(4 if release == 117 else 8)
    _expect(handle, b"</N><label>", file_name, size)
    width = 1 if release == 117 else 2
    raw = handle.read(width)
    if len(raw) != width:
        raise _truncated(file_name, size, "it ends inside its header")
    label_length = int.from_bytes(raw, "big" if endian == ">" else "little")
    handle.read(label_length)
    _expect(handle, b"</label><timestamp>", file_name, size)
    stamp = handle.read(1)
    if len(stamp) != 1:
        raise _truncated(file_name, size, "it ends inside its header")
    handle.read(stamp[0])
    _expect(handle, b"</timestamp></header><map>", file_name, size)
    raw = handle.read(8 * _N_MAP)
    if len(raw) != 8 * _N_MAP:
        raise _truncated(file_name, size, "it ends inside its section map")
    offsets = struct.unpack(f"{endian}{_N_MAP}Q", raw)
    end = offsets[-1]
    if end > size:
        raise _truncated(file_name, size, f"its section map declares {end} bytes")
    if any(later < earlier for earlier, later in itertools.pairwise(offsets)):
        raise _truncated(file_name, size, "its section map is out of order")
    handle.seek(offsets[-2])
    if handle.read(len(_TAGGED_END)) != _TAGGED_END:
        raise _truncated(file_name, size, f"</stata_dta> is not at byte {offsets[-2]}")


def _check_old(handle, file_name: str, size: int, release: int) -> None:
    """Formats 113-115: the data end from the header, then value-label tables to the end."""
    handle.seek(0)
    header = handle.read(109)
    if len(header) != 109:
        raise _truncated(file_name, size, "it ends inside its header")
    if header[1] not in (1, 2):
        return  # not a byte order: not a Stata file of these formats, left to the reader
    endian = ">" if header[1] == 1 else "<"
    n_variables, n_rows = struct.unpack(f"{endian}HI", header[4:10])
    types = handle.read(n_variables)
    if len(types) != n_variables:
        raise _truncated(file_name, size, "it ends inside its variable list")
    format_width = 12 if release == 113 else 49
    position = 109 + n_variables * (1 + 33 + format_width + 33 + 81) + 2 * (n_variables + 1)
    while True:  # expansion fields: (type, length) records ending with (0, 0)
        handle.seek(position)
        raw = handle.read(5)
        if len(raw) != 5:
            raise _truncated(file_name, size, "it ends inside its expansion fields")
        kind, length = struct.unpack(f"{endian}Bi", raw)
        position += 5
        if kind == 0 and length == 0:
            break
        if length < 0:
            raise _truncated(file_name, size, "an expansion field has a negative length")
        position += length
    row_width = sum(t if t <= 244 else _OLD_WIDTHS.get(t, 0) for t in types)
    position += n_rows * row_width
    if position > size:
        raise _truncated(
            file_name, size, f"its header declares {n_rows} rows, which end at byte {position}"
        )
    while position < size:  # value-label tables: length, name (33), padding (3), table
        handle.seek(position)
        raw = handle.read(4)
        if not raw.strip(b"\0") and not handle.read(size - position - len(raw)).strip(b"\0"):
            break  # zero bytes to the end: padding
        if len(raw) != 4:
            raise _truncated(file_name, size, f"it ends inside a value-label table at {position}")
        (length,) = struct.unpack(f"{endian}i", raw)
        end = position + 40 + length
        if length < 8 or end > size:
            raise _truncated(
                file_name, size, f"the value-label table at byte {position} ends at byte {end}"
            )
        position = end
