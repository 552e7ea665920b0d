"""Read and write ``.cube`` 3D LUT files: Adobe Cube LUT Specification 1.0 and DaVinci Resolve's variant.

Reading accepts::

    # comment lines (anywhere; a '#' after values on the same line is rejected: the spec has only whole-line comments)
    TITLE "name"                        Adobe
    DOMAIN_MIN r g b / DOMAIN_MAX r g b Adobe: the 3D table's input domain
    LUT_3D_INPUT_RANGE min max          Resolve: the same domain on every channel
    LUT_1D_SIZE n  (+ LUT_1D_INPUT_RANGE min max)
                                        Resolve: a shaper whose n rows precede the 3D table and is applied first
    LUT_3D_SIZE N
    N^3 rows "r g b", red changing fastest

plus CRLF or CR line endings, blank lines, surrounding whitespace and a UTF-8 byte-order mark. Every other
deviation raises :class:`~pix2lut.errors.CubeError` naming the source, the line, the rule and what was found;
nothing half-parsed is ever returned.

Writing produces the portable form every reader accepts (``shared/resolve/API-NOTES.md``, section 9):
ASCII, LF, no BOM, ``LUT_3D_SIZE N`` then N^3 rows of ``%.6f`` values in [0, 1], no TITLE, no DOMAIN lines
(OpenColorIO's Resolve reader rejects TITLE).
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pix2lut.errors import CubeError, LutError
from pix2lut.files import write_bytes_atomic
from pix2lut.lut import MAX_1D_SIZE, MAX_3D_SIZE, MIN_1D_SIZE, MIN_3D_SIZE, Lut1D, Lut3D

CUBE_SUFFIX = ".cube"
VALUES_PER_ROW = 3  # r g b
WRITE_DECIMALS = 6  # Resolve's notes: ">= 6 decimals"; 1e-6 is far below a 10-bit code value (~1e-3)
BYTE_ORDER_MARK = "\ufeff"
TIE_TOLERANCE = 1e-6  # in units of the last decimal: closer to a half than this, float arithmetic cannot round

TITLE = "TITLE"
DOMAIN_MIN = "DOMAIN_MIN"
DOMAIN_MAX = "DOMAIN_MAX"
LUT_1D_SIZE = "LUT_1D_SIZE"
LUT_3D_SIZE = "LUT_3D_SIZE"
LUT_1D_INPUT_RANGE = "LUT_1D_INPUT_RANGE"
LUT_3D_INPUT_RANGE = "LUT_3D_INPUT_RANGE"

# A decimal number as the spec writes one; Python's float() would also take '1_0', 'nan' and non-ASCII digits.
_FLOAT = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FLOAT_TOKEN = re.compile(_FLOAT, re.ASCII)
_NONFINITE_TOKEN = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DATA_ROW = re.compile(rf"({_FLOAT})\s+({_FLOAT})\s+({_FLOAT})", re.ASCII)
_QUOTED_TITLE = re.compile(r'"([^"]*)"')
_QUOTED_TITLE_WITH_COMMENT = re.compile(r'"[^"]*"\s*#.*')
# Binary data: a text .cube holds no control characters but tab, LF and CR.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Data rows made only of these characters go to numpy's C parser; any other row is read one by one.
_PLAIN_NUMERIC_BYTES = b"0123456789.eE+- \t\n"


class _Invalid(Exception):
    """A keyword's arguments break a rule; the caller adds source and line."""


@dataclass(frozen=True)
class _Keyword:
    """One keyword line of the header, kept to report where a later rule was broken."""

    line: int
    args: str
    value: Any  # int, str or tuple of floats, by keyword (see _KEYWORD_PARSERS)


# ---------------------------------------------------------------------------------------------------------------
# Reading


def read_cube(path: str | os.PathLike[str]) -> Lut3D:
    """Read a ``.cube`` file into a :class:`Lut3D` (``table[r, g, b]``).

    The file is read as bytes and must be UTF-8 text (a BOM is allowed).

    Raises
    ------
    CubeError
        The file cannot be read, is not text, or breaks a rule of the format (message names file and line).
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CubeError(f"cannot read: {exc.strerror or exc}", source) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not a text .cube file: byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8"
        raise CubeError(message, source, line) from None
    return parse_cube(text, source)


def parse_cube(text: str, source: str = "<text>") -> Lut3D:
    """Parse the text of a ``.cube`` file into a :class:`Lut3D`; ``source`` names it in error messages.

    Raises
    ------
    CubeError
        The text breaks a rule of the format (see the module docstring).
    """
    lines = _split_lines(text, source)
    header, first_row_index = _parse_header(lines, source)
    size, shaper_size = _check_sizes(header, lines, first_row_index, source)
    domain_min, domain_max = _domain_3d(header, source)

    rows = _parse_rows(lines, first_row_index, source)  # (rows, 3) float64
    expected = shaper_size + size**3
    if len(rows) != expected:
        if shaper_size:
            rule = f"{LUT_1D_SIZE} {shaper_size} and {LUT_3D_SIZE} {size} need {shaper_size} + {size**3} = {expected}"
        else:
            rule = f"{LUT_3D_SIZE} {size} needs {expected}"
        raise CubeError(f"{rule} rows, found {len(rows)}", source, _last_non_comment_line(lines))

    shaper_min, shaper_max = header[LUT_1D_INPUT_RANGE].value if LUT_1D_INPUT_RANGE in header else (0.0, 1.0)
    title = header[TITLE].value if TITLE in header else ""
    try:
        shaper = Lut1D(rows[:shaper_size], shaper_min, shaper_max) if shaper_size else None
        return Lut3D(_rows_to_table(rows[shaper_size:], size), domain_min, domain_max, shaper=shaper, title=title)
    except LutError as exc:  # every rule Lut3D checks is checked above; this only keeps the error type promised
        raise CubeError(str(exc), source) from exc


def _split_lines(text: str, source: str) -> list[str]:
    """Lines without their endings (LF, CRLF or CR), after dropping a BOM and refusing binary data."""
    text = text.removeprefix(BYTE_ORDER_MARK)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = text.encode("utf-8", errors="replace")
    has_control = len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded)  # fast; the regex says where
    control = _CONTROL_CHARACTER.search(text) if has_control else None
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        message = f"not a text .cube file: control character U+{ord(control.group()):04X} found"
        raise CubeError(message, source, line)
    return text.split("\n")


def _is_comment_or_blank(stripped: str) -> bool:
    return not stripped or stripped.startswith("#")


def _starts_data_row(stripped: str) -> bool:
    """A line whose first token is a number (or a NaN/inf, to be refused as a value later) starts the table."""
    first = stripped.split(maxsplit=1)[0]
    return bool(_FLOAT_TOKEN.fullmatch(first) or _NONFINITE_TOKEN.fullmatch(first))


def _parse_header(lines: list[str], source: str) -> tuple[dict[str, _Keyword], int]:
    """Keyword lines up to the first data row; returns them and the index of that row (len(lines) if none)."""
    header: dict[str, _Keyword] = {}
    for index, raw in enumerate(lines):
        stripped = raw.strip()
        if _is_comment_or_blank(stripped):
            continue
        if _starts_data_row(stripped):
            return header, index
        number = index + 1
        keyword, *rest = stripped.split(maxsplit=1)
        args = rest[0] if rest else ""
        parse = _KEYWORD_PARSERS.get(keyword)
        if parse is None:
            message = f"unknown keyword {keyword!r} (expected one of {', '.join(_KEYWORD_PARSERS)})"
            raise CubeError(message, source, number)
        if keyword in header:
            raise CubeError(f"{keyword} given twice (first on line {header[keyword].line})", source, number)
        try:
            header[keyword] = _Keyword(number, args, parse(keyword, args))
        except _Invalid as exc:
            raise CubeError(str(exc), source, number) from None
    return header, len(lines)


def _check_sizes(
    header: dict[str, _Keyword], lines: list[str], first_row_index: int, source: str
) -> tuple[int, int]:
    """``(LUT_3D_SIZE, LUT_1D_SIZE or 0)``; a file without a 3D table is refused."""
    if LUT_3D_SIZE not in header:
        if LUT_1D_SIZE in header:
            message = f"1D-only LUTs are not supported (a 3D LUT is needed): {LUT_1D_SIZE} without {LUT_3D_SIZE}"
            raise CubeError(message, source, header[LUT_1D_SIZE].line)
        line = first_row_index + 1 if first_row_index < len(lines) else None
        raise CubeError(f"missing {LUT_3D_SIZE} (it must come before the data rows)", source, line)
    if LUT_1D_INPUT_RANGE in header and LUT_1D_SIZE not in header:
        message = f"{LUT_1D_INPUT_RANGE} given without {LUT_1D_SIZE}"
        raise CubeError(message, source, header[LUT_1D_INPUT_RANGE].line)
    shaper_size = header[LUT_1D_SIZE].value if LUT_1D_SIZE in header else 0
    return header[LUT_3D_SIZE].value, shaper_size


def _domain_3d(header: dict[str, _Keyword], source: str) -> tuple[np.ndarray, np.ndarray]:
    """The 3D table's input domain from DOMAIN_MIN/DOMAIN_MAX (Adobe) or LUT_3D_INPUT_RANGE (Resolve)."""
    domain_keywords = [header[k] for k in (DOMAIN_MIN, DOMAIN_MAX) if k in header]
    if LUT_3D_INPUT_RANGE in header:
        if domain_keywords:
            line = max(header[LUT_3D_INPUT_RANGE].line, *(k.line for k in domain_keywords))
            message = f"{LUT_3D_INPUT_RANGE} and {DOMAIN_MIN}/{DOMAIN_MAX} both set the input domain; give one of them"
            raise CubeError(message, source, line)
        low, high = header[LUT_3D_INPUT_RANGE].value
        return np.full(3, low), np.full(3, high)
    domain_min = np.array(header[DOMAIN_MIN].value if DOMAIN_MIN in header else (0.0, 0.0, 0.0))
    domain_max = np.array(header[DOMAIN_MAX].value if DOMAIN_MAX in header else (1.0, 1.0, 1.0))
    if np.any(domain_max <= domain_min):
        found_min = header[DOMAIN_MIN].args if DOMAIN_MIN in header else "0 0 0 (default)"
        found_max = header[DOMAIN_MAX].args if DOMAIN_MAX in header else "1 1 1 (default)"
        message = (
            f"{DOMAIN_MAX} must exceed {DOMAIN_MIN} on every channel, "
            f"found {DOMAIN_MIN} {found_min} and {DOMAIN_MAX} {found_max}"
        )
        raise CubeError(message, source, max(k.line for k in domain_keywords))
    return domain_min, domain_max


# Keyword arguments. Each parser gets the keyword and the rest of its line, returns the value or raises _Invalid.


def _reject_trailing_comment(keyword: str, args: str) -> None:
    if "#" in args:
        raise _Invalid(f"'#' comments must be on their own line (Adobe Cube 1.0), found {f'{keyword} {args}'!r}")


def _parse_title(keyword: str, args: str) -> str:
    match = _QUOTED_TITLE.fullmatch(args)
    if match is None:
        if _QUOTED_TITLE_WITH_COMMENT.fullmatch(args):
            _reject_trailing_comment(keyword, args)
        raise _Invalid(f"{keyword} needs a quoted string, found {args!r}")
    return match.group(1)


def _size_parser(low: int, high: int) -> Callable[[str, str], int]:
    def parse_size(keyword: str, args: str) -> int:
        _reject_trailing_comment(keyword, args)
        if not re.fullmatch(r"\d+", args, re.ASCII):
            raise _Invalid(f"{keyword} needs 1 integer, found {args!r}")
        size = int(args)
        if not low <= size <= high:
            raise _Invalid(f"{keyword} must be in {low}..{high}, found {size}")
        return size

    return parse_size


def _numbers(keyword: str, args: str, count: int) -> tuple[float, ...]:
    _reject_trailing_comment(keyword, args)
    tokens = args.split()
    if len(tokens) != count or not all(_FLOAT_TOKEN.fullmatch(t) or _NONFINITE_TOKEN.fullmatch(t) for t in tokens):
        raise _Invalid(f"{keyword} needs {count} numbers, found {args!r}")
    values = tuple(float(t) for t in tokens)
    if not all(math.isfinite(v) for v in values):
        raise _Invalid(f"{keyword} needs finite numbers, found {args!r}")
    return values


def _parse_domain(keyword: str, args: str) -> tuple[float, ...]:
    return _numbers(keyword, args, count=3)


def _parse_input_range(keyword: str, args: str) -> tuple[float, ...]:
    low, high = _numbers(keyword, args, count=2)
    if high <= low:
        raise _Invalid(f"{keyword} max must exceed min, found {args!r}")
    return low, high


_KEYWORD_PARSERS: dict[str, Callable[[str, str], Any]] = {
    TITLE: _parse_title,
    DOMAIN_MIN: _parse_domain,
    DOMAIN_MAX: _parse_domain,
    LUT_1D_SIZE: _size_parser(MIN_1D_SIZE, MAX_1D_SIZE),
    LUT_3D_SIZE: _size_parser(MIN_3D_SIZE, MAX_3D_SIZE),
    LUT_1D_INPUT_RANGE: _parse_input_range,
    LUT_3D_INPUT_RANGE: _parse_input_range,
}


# Data rows.


def _parse_rows(lines: list[str], first_row_index: int, source: str) -> np.ndarray:
    """The data rows from ``first_row_index`` on, shape ``(rows, 3)`` float64.

    Bulk path: rows of plain numbers go through numpy's C parser (~0.1 s for 65^3 rows). Whatever it refuses,
    and any NaN/inf it returns (e.g. from ``1e999``), is re-read row by row, which names the line and the rule.
    """
    if first_row_index == len(lines):
        return np.empty((0, VALUES_PER_ROW))
    rows = lines[first_row_index:]
    block = "\n".join(rows)
    if "#" in block:  # comment lines between rows are rare but legal; numpy's parser must not see them
        block = "\n".join(row for row in rows if not row.lstrip().startswith("#"))
    if _is_plain_numeric(block):
        try:
            values = np.loadtxt(io.StringIO(block), dtype=np.float64, comments=None, ndmin=2)
        except ValueError:
            values = None
        if values is not None and values.shape[1] == VALUES_PER_ROW and np.all(np.isfinite(values)):
            return values
    return _parse_rows_one_by_one(lines, first_row_index, source)


def _is_plain_numeric(block: str) -> bool:
    """Only digits, signs, points, exponents, spaces, tabs and newlines: text numpy's parser reads as we would."""
    encoded = block.encode("ascii", errors="replace")  # non-ASCII becomes '?', which is not plain
    return not encoded.translate(None, _PLAIN_NUMERIC_BYTES)


def _parse_rows_one_by_one(lines: list[str], first_row_index: int, source: str) -> np.ndarray:
    values: list[tuple[float, ...]] = []
    for index in range(first_row_index, len(lines)):
        row = lines[index].strip()
        if _is_comment_or_blank(row):
            continue
        match = _DATA_ROW.fullmatch(row)
        if match is None:
            raise CubeError(_why_not_a_row(row), source, index + 1)
        row_values = tuple(float(token) for token in match.groups())
        for token, value in zip(match.groups(), row_values):
            if not math.isfinite(value):  # e.g. 1e999, too large for a float
                raise CubeError(_nonfinite_message(token), source, index + 1)
        values.append(row_values)
    return np.array(values, dtype=np.float64).reshape(-1, VALUES_PER_ROW)


def _why_not_a_row(row: str) -> str:
    """The rule a data row that does not match ``_DATA_ROW`` breaks."""
    tokens = row.split()
    if tokens[0] in _KEYWORD_PARSERS:
        return f"keyword {tokens[0]} after the data rows began (keywords must come before the table)"
    if "#" in row:
        return f"'#' comments must be on their own line (Adobe Cube 1.0), found {row!r}"
    if len(tokens) != VALUES_PER_ROW:
        return f"a data row needs {VALUES_PER_ROW} values (r g b), found {len(tokens)}: {row!r}"
    for token in tokens:
        if _NONFINITE_TOKEN.fullmatch(token):
            return _nonfinite_message(token)
        if not _FLOAT_TOKEN.fullmatch(token):
            return f"non-numeric value {token!r} in a data row"
    return f"malformed data row {row!r} (values must be separated by spaces or tabs)"  # e.g. a no-break space


def _nonfinite_message(token: str) -> str:
    return f"NaN or infinite value {token!r} in a data row (LUT values must be finite)"


def _last_non_comment_line(lines: list[str]) -> int | None:
    """Line number of the last line that is neither blank nor a comment: where a wrong row count shows."""
    for index in range(len(lines) - 1, -1, -1):
        if not _is_comment_or_blank(lines[index].strip()):
            return index + 1
    return None


# ---------------------------------------------------------------------------------------------------------------
# Row order: the one place the .cube layout meets the project's table[r, g, b].
# Adobe Cube LUT Specification 1.0: in the table data the red index changes fastest, then green, then blue. So the
# rows are the C-order flattening of an array indexed [b, g, r], and swapping axes 0 and 2 converts between the two.


def _rows_to_table(rows: np.ndarray, size: int) -> np.ndarray:
    """``(size^3, 3)`` rows, red fastest -> ``(size, size, size, 3)`` float32 indexed ``[r, g, b]``."""
    table_bgr = rows.reshape(size, size, size, VALUES_PER_ROW)  # [b, g, r]
    return np.ascontiguousarray(table_bgr.transpose(2, 1, 0, 3), dtype=np.float32)


def _table_to_rows(table: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_rows_to_table`."""
    return table.transpose(2, 1, 0, 3).reshape(-1, VALUES_PER_ROW)


# ---------------------------------------------------------------------------------------------------------------
# Writing


def format_cube(lut: Lut3D) -> str:
    """The portable ``.cube`` text of ``lut``: ``LUT_3D_SIZE N``, then N^3 rows ``"%.6f %.6f %.6f"``, LF endings.

    Values are clipped to [0, 1]: Resolve clamps LUT outputs anyway, and a portable file keeps them in range so
    every reader (ffmpeg, OCIO, cameras, monitors) gives the same picture.

    Raises
    ------
    LutError
        ``lut`` has a shaper or a domain other than [0, 1]: the portable form cannot carry them.
    """
    if lut.shaper is not None:
        raise LutError(
            f"the portable .cube form cannot carry a shaper ({LUT_1D_SIZE} {lut.shaper.size}); "
            "resample the LUT onto a plain 3D table first"
        )
    if not lut.is_unit_domain:
        raise LutError(
            f"the portable .cube form needs the domain [0, 1], found {lut.domain_min.tolist()} .. "
            f"{lut.domain_max.tolist()}; resample the LUT onto [0, 1] first"
        )
    # "+ 0.0" turns a clipped -0.0 into 0.0, which would otherwise print as "-0.000000".
    rows = _table_to_rows(np.clip(lut.table, 0.0, 1.0) + np.float32(0.0))
    return f"{LUT_3D_SIZE} {lut.size}\n" + _format_unit_rows(rows.astype(np.float64))


def _format_unit_rows(rows: np.ndarray) -> str:
    """Rows of values in [0, 1] as ``"%.6f %.6f %.6f\\n"`` text, built as bytes with numpy (20x faster).

    Every value prints as 8 characters ``d.dddddd``. Rounding matches ``"%.6f"`` exactly: values whose scaled
    form lies too close to a half for float arithmetic to decide are formatted by Python itself, which rounds the
    exact binary value half to even, as C's printf does. The decimal point is always '.', whatever the locale.
    """
    scaled = rows * 10**WRITE_DECIMALS
    micro = np.rint(scaled).astype(np.int32)
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < TIE_TOLERANCE
    for index in zip(*np.nonzero(near_half)):
        micro[index] = int((f"%.{WRITE_DECIMALS}f" % rows[index]).replace(".", ""))
    # every character of a value, most significant first: the units digit, '.', then the decimals
    places = 10 ** np.arange(WRITE_DECIMALS, -1, -1, dtype=np.int32)  # 10^6 .. 10^0
    digits = (micro[..., None] // places % 10).astype(np.uint8) + np.uint8(ord("0"))  # (rows, 3, 7)
    chars = np.empty(rows.shape + (WRITE_DECIMALS + 3,), dtype=np.uint8)  # digit, '.', decimals, separator
    chars[..., 0] = digits[..., 0]
    chars[..., 1] = ord(".")
    chars[..., 2:-1] = digits[..., 1:]
    chars[..., -1] = ord(" ")
    chars[:, -1, -1] = ord("\n")
    return chars.tobytes().decode("ascii")


def write_cube(lut: Lut3D, path: str | os.PathLike[str]) -> None:
    """Write ``lut`` to ``path`` in the portable form (see :func:`format_cube`), atomically.

    The text goes to a temporary file in the same folder, which then replaces ``path`` in one step: Resolve
    (or anyone) reading ``path`` sees the old file or the new one, never a partial one. On failure the temporary
    file is removed and ``path`` is left as it was.

    Raises
    ------
    LutError
        ``lut`` cannot be written in the portable form (nothing is written).
    CubeError
        The file cannot be written (names the file).
    """
    data = format_cube(lut).encode("ascii")  # a LutError is raised here, before any file is touched
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise CubeError(f"cannot write: {exc.strerror or exc}", os.fspath(path)) from exc
