"""Tests for pix2lut.cube: reading the Adobe and Resolve variants, writing the portable form, every error case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pix2lut import cube
from pix2lut.cube import CUBE_SUFFIX, format_cube, parse_cube, read_cube, write_cube
from pix2lut.errors import CubeError, LutError
from pix2lut.lut import Lut1D, Lut3D, identity_table
from tests.shared_data import SHARED_DATA

DECIMAL_ATOL = 0.5e-6  # half a unit of the 6th decimal, the last one the writer keeps
FLOAT32_ATOL = 2.0**-24  # half a float32 ulp just below 1.0: the reader stores float32
ROUND_TRIP_ATOL = DECIMAL_ATOL + FLOAT32_ATOL
LOOKS_DIR = SHARED_DATA / "looks"
LOOK_SIZE = 17  # every real-world look in LOOKS_DIR is 17^3

# The 2^3 identity, rows red-fastest: (r, g, b) for b in 0..1, g in 0..1, r in 0..1.
IDENTITY_2_ROWS = [
    "0.000000 0.000000 0.000000",
    "1.000000 0.000000 0.000000",
    "0.000000 1.000000 0.000000",
    "1.000000 1.000000 0.000000",
    "0.000000 0.000000 1.000000",
    "1.000000 0.000000 1.000000",
    "0.000000 1.000000 1.000000",
    "1.000000 1.000000 1.000000",
]
IDENTITY_2_TEXT = "LUT_3D_SIZE 2\n" + "".join(row + "\n" for row in IDENTITY_2_ROWS)
KNOWN_KEYWORDS = "TITLE, DOMAIN_MIN, DOMAIN_MAX, LUT_1D_SIZE, LUT_3D_SIZE, LUT_1D_INPUT_RANGE, LUT_3D_INPUT_RANGE"


def lines(*parts: str) -> str:
    return "\n".join(parts) + "\n"


def random_unit_lut(size: int, seed: int = 0) -> Lut3D:
    return Lut3D(np.random.default_rng(seed).random((size, size, size, 3), dtype=np.float32))


# ---------------------------------------------------------------------------------------------------------------
# Writing


def test_format_identity_2_exact_text() -> None:
    assert format_cube(Lut3D.identity(2)) == IDENTITY_2_TEXT


def test_write_cube_bytes_are_ascii_lf_no_bom(tmp_path: Path) -> None:
    path = tmp_path / f"identity{CUBE_SUFFIX}"
    write_cube(Lut3D.identity(2), path)
    assert path.read_bytes() == IDENTITY_2_TEXT.encode("ascii")


def test_identity_round_trip(tmp_path: Path) -> None:
    for size in (2, 17):
        path = tmp_path / f"identity{size}.cube"
        write_cube(Lut3D.identity(size), path)
        back = read_cube(path)
        # k / 16 has at most 4 decimals, so the identity survives 6-decimal text exactly.
        np.testing.assert_array_equal(back.table, identity_table(size))
        assert back.shaper is None and back.is_unit_domain and back.title == ""


def test_random_round_trip(tmp_path: Path) -> None:
    lut = random_unit_lut(9)
    path = tmp_path / "random.cube"
    write_cube(lut, path)
    back = read_cube(path)
    assert back.table.shape == (9, 9, 9, 3) and back.table.dtype == np.float32
    np.testing.assert_allclose(back.table, lut.table, rtol=0, atol=ROUND_TRIP_ATOL)
    # Exactly the writer's 6-decimal rounding, read back as float32.
    np.testing.assert_array_equal(back.table, np.round(lut.table.astype(np.float64), 6).astype(np.float32))


def test_opencolorio_reads_the_written_file_the_same_way(tmp_path: Path) -> None:
    """An independent reader agrees on the row order: at each lattice point it returns that node's value."""
    ocio = pytest.importorskip("PyOpenColorIO", reason="OpenColorIO is the independent .cube reader")
    size = 5
    lut = random_unit_lut(size, seed=1)
    path = tmp_path / "random.cube"
    write_cube(lut, path)
    transform = ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_LINEAR)
    processor = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    pixels = identity_table(size).reshape(-1, 3).copy()  # (size^3, 3) lattice inputs
    processor.applyRGB(pixels)
    np.testing.assert_allclose(pixels.reshape(lut.table.shape), lut.table, rtol=0, atol=ROUND_TRIP_ATOL)


def test_write_clips_to_unit_range() -> None:
    table = identity_table(2)
    table[0, 0, 0] = (-0.5, -0.0, 1.5)
    text = format_cube(Lut3D(table))
    assert text.splitlines()[1] == "0.000000 0.000000 1.000000"
    assert "-" not in text
    np.testing.assert_array_equal(parse_cube(text).table, np.clip(table, 0.0, 1.0))


def test_write_refuses_shaper(tmp_path: Path) -> None:
    shaper = Lut1D(np.linspace(0.0, 1.0, 4, dtype=np.float32)[:, None].repeat(3, axis=1))
    path = tmp_path / "shaper.cube"
    with pytest.raises(LutError, match="cannot carry a shaper"):
        write_cube(Lut3D(identity_table(2), shaper=shaper), path)
    assert list(tmp_path.iterdir()) == []


def test_write_refuses_non_unit_domain() -> None:
    with pytest.raises(LutError, match=r"needs the domain \[0, 1\], found \[0.0, 0.0, 0.0\] .. \[2.0, 2.0, 2.0\]"):
        format_cube(Lut3D(identity_table(2), domain_max=(2.0, 2.0, 2.0)))


def test_write_refused_lut_leaves_existing_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "grade.cube"
    path.write_text("old")
    with pytest.raises(LutError):
        write_cube(Lut3D(identity_table(2), domain_min=(-1.0, -1.0, -1.0)), path)
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_write_is_atomic_when_replace_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "grade.cube"
    path.write_text("old")

    def failing_replace(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cube.os, "replace", failing_replace)
    with pytest.raises(CubeError) as caught:
        write_cube(random_unit_lut(5), path)
    assert str(caught.value) == f"{path}: cannot write: No space left on device"
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]  # the temporary file is gone


def test_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "grade.cube"
    path.write_text("old")
    write_cube(Lut3D.identity(2), path)
    assert path.read_text() == IDENTITY_2_TEXT
    assert list(tmp_path.iterdir()) == [path]


def test_write_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "grade.cube"
    with pytest.raises(CubeError, match="cannot write: No such file or directory"):
        write_cube(Lut3D.identity(2), path)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------------------------
# Reading the variants


def test_rows_are_red_fastest() -> None:
    rows = list(IDENTITY_2_ROWS)
    rows[1] = "0.1 0.2 0.3"  # second row: r = 1, g = 0, b = 0
    rows[4] = "0.4 0.5 0.6"  # fifth row: r = 0, g = 0, b = 1
    table = parse_cube(lines("LUT_3D_SIZE 2", *rows)).table
    np.testing.assert_allclose(table[1, 0, 0], (0.1, 0.2, 0.3), rtol=0, atol=FLOAT32_ATOL)
    np.testing.assert_allclose(table[0, 0, 1], (0.4, 0.5, 0.6), rtol=0, atol=FLOAT32_ATOL)
    assert table.flags.c_contiguous


def test_resolve_style_file() -> None:
    text = "\r\n".join(
        [
            "# Created by DaVinci Resolve",
            "",
            "  LUT_3D_SIZE 2  ",
            "LUT_3D_INPUT_RANGE -0.25 1.5",
            "",
            *IDENTITY_2_ROWS[:4],
            "",
            "# second half",
            *(f"\t{row} " for row in IDENTITY_2_ROWS[4:]),
            "",
            "",
        ]
    )
    lut = parse_cube(text)
    np.testing.assert_array_equal(lut.table, identity_table(2))
    np.testing.assert_array_equal(lut.domain_min, [-0.25, -0.25, -0.25])
    np.testing.assert_array_equal(lut.domain_max, [1.5, 1.5, 1.5])
    assert lut.shaper is None and lut.title == ""


def test_cr_only_line_endings() -> None:
    np.testing.assert_array_equal(parse_cube(IDENTITY_2_TEXT.replace("\n", "\r")).table, identity_table(2))


def test_adobe_style_file() -> None:
    text = lines(
        "# Adobe Cube 1.0",
        'TITLE "Warm # film look"',
        "DOMAIN_MIN 0.0 -0.5 0",
        "DOMAIN_MAX 1.0 2.0 4e0",
        "LUT_3D_SIZE 2",
        *IDENTITY_2_ROWS,
    )
    lut = parse_cube(text)
    assert lut.title == "Warm # film look"
    np.testing.assert_array_equal(lut.domain_min, [0.0, -0.5, 0.0])
    np.testing.assert_array_equal(lut.domain_max, [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(lut.table, identity_table(2))


def test_shaper_and_3d_table() -> None:
    text = lines(
        "LUT_1D_SIZE 3",
        "LUT_1D_INPUT_RANGE 0.0 4.0",
        "LUT_3D_SIZE 2",
        "0.0 0.0 0.0",
        "0.25 0.5 0.75",
        "1.0 1.0 1.0",
        *IDENTITY_2_ROWS,
    )
    lut = parse_cube(text)
    assert lut.shaper is not None
    np.testing.assert_array_equal(lut.shaper.table, [[0.0, 0.0, 0.0], [0.25, 0.5, 0.75], [1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(lut.shaper.domain_max, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(lut.table, identity_table(2))
    assert not lut.is_unit_domain  # a shaper is not the portable form


def test_byte_order_mark(tmp_path: Path) -> None:
    np.testing.assert_array_equal(parse_cube("\ufeff" + IDENTITY_2_TEXT).table, identity_table(2))
    path = tmp_path / "bom.cube"
    path.write_bytes(b"\xef\xbb\xbf" + IDENTITY_2_TEXT.encode("ascii"))
    np.testing.assert_array_equal(read_cube(path).table, identity_table(2))


def test_comment_lines_between_rows_of_a_large_table() -> None:
    text = format_cube(random_unit_lut(17)).replace("\n", "\n# note\n", 100)
    np.testing.assert_allclose(parse_cube(text).table, random_unit_lut(17).table, rtol=0, atol=ROUND_TRIP_ATOL)


def test_reads_every_real_world_look() -> None:
    if not LOOKS_DIR.is_dir():
        pytest.skip(f"{LOOKS_DIR} is absent: the real-world looks are not on this machine")
    paths = sorted(LOOKS_DIR.glob("*.cube"))
    assert paths, f"{LOOKS_DIR} holds no .cube files"
    for path in paths:
        lut = read_cube(path)
        assert lut.table.shape == (LOOK_SIZE, LOOK_SIZE, LOOK_SIZE, 3), path
        assert lut.table.min() >= 0.0 and lut.table.max() <= 1.0, path
        assert lut.title and lut.is_unit_domain, path
        back = parse_cube(format_cube(lut))
        np.testing.assert_allclose(back.table, lut.table, rtol=0, atol=ROUND_TRIP_ATOL, err_msg=str(path))


# ---------------------------------------------------------------------------------------------------------------
# Errors: each names the source and line, the rule and what was found.


def replace_row(index: int, row: str) -> list[str]:
    rows = list(IDENTITY_2_ROWS)
    rows[index] = row
    return rows


MALFORMED = {
    # name: (text, line, message)
    "too few rows": (lines("LUT_3D_SIZE 2", *IDENTITY_2_ROWS[:7]), 8, "LUT_3D_SIZE 2 needs 8 rows, found 7"),
    "too many rows": (
        lines("LUT_3D_SIZE 2", *IDENTITY_2_ROWS, "0 0 0", ""),
        10,
        "LUT_3D_SIZE 2 needs 8 rows, found 9",
    ),
    "too few rows before a closing comment": (
        lines("LUT_3D_SIZE 2", *IDENTITY_2_ROWS[:7], "# end", ""),
        8,
        "LUT_3D_SIZE 2 needs 8 rows, found 7",
    ),
    "no rows": (lines("# header only", "LUT_3D_SIZE 2", ""), 2, "LUT_3D_SIZE 2 needs 8 rows, found 0"),
    "shaper rows miscounted": (
        lines("LUT_1D_SIZE 2", "LUT_3D_SIZE 2", "0 0 0", *IDENTITY_2_ROWS),
        11,
        "LUT_1D_SIZE 2 and LUT_3D_SIZE 2 need 2 + 8 = 10 rows, found 9",
    ),
    "truncated mid-row": (
        lines("LUT_3D_SIZE 2", *IDENTITY_2_ROWS[:7], "1.000000 1.0"),
        9,
        "a data row needs 3 values (r g b), found 2: '1.000000 1.0'",
    ),
    "four values": (
        lines("LUT_3D_SIZE 2", *replace_row(2, "0 1 0 1")),
        4,
        "a data row needs 3 values (r g b), found 4: '0 1 0 1'",
    ),
    "non-numeric": (
        lines("LUT_3D_SIZE 2", *replace_row(3, "1 abc 0")),
        5,
        "non-numeric value 'abc' in a data row",
    ),
    "decimal comma": (
        lines("LUT_3D_SIZE 2", *replace_row(1, "0,5 0 0")),
        3,
        "non-numeric value '0,5' in a data row",
    ),
    "NaN": (
        lines("LUT_3D_SIZE 2", *replace_row(5, "1 NaN 1")),
        7,
        "NaN or infinite value 'NaN' in a data row (LUT values must be finite)",
    ),
    "NaN in first row": (
        lines("LUT_3D_SIZE 2", *replace_row(0, "nan 0 0")),
        2,
        "NaN or infinite value 'nan' in a data row (LUT values must be finite)",
    ),
    "infinity": (
        lines("LUT_3D_SIZE 2", *replace_row(6, "0 -inf 1")),
        8,
        "NaN or infinite value '-inf' in a data row (LUT values must be finite)",
    ),
    "overflow": (
        lines("LUT_3D_SIZE 2", *replace_row(7, "1 1 1e999")),
        9,
        "NaN or infinite value '1e999' in a data row (LUT values must be finite)",
    ),
    "no-break space": (
        lines("LUT_3D_SIZE 2", *replace_row(7, "1\u00a01 1")),
        9,
        "malformed data row '1\\xa01 1' (values must be separated by spaces or tabs)",
    ),
    "unknown keyword": (
        lines("LUT_3D_SIZ 2", *IDENTITY_2_ROWS),
        1,
        f"unknown keyword 'LUT_3D_SIZ' (expected one of {KNOWN_KEYWORDS})",
    ),
    "size too small": (lines("LUT_3D_SIZE 1", "0 0 0"), 1, "LUT_3D_SIZE must be in 2..256, found 1"),
    "size too large": (lines("LUT_3D_SIZE 257"), 1, "LUT_3D_SIZE must be in 2..256, found 257"),
    "size not an integer": (lines("LUT_3D_SIZE 33.0"), 1, "LUT_3D_SIZE needs 1 integer, found '33.0'"),
    "size missing its value": (lines("LUT_3D_SIZE"), 1, "LUT_3D_SIZE needs 1 integer, found ''"),
    "1D size too small": (lines("LUT_1D_SIZE 1"), 1, "LUT_1D_SIZE must be in 2..65536, found 1"),
    "keyword twice": (
        lines("LUT_3D_SIZE 2", "# again", "LUT_3D_SIZE 2", *IDENTITY_2_ROWS),
        3,
        "LUT_3D_SIZE given twice (first on line 1)",
    ),
    "title twice": (lines('TITLE "a"', 'TITLE "b"'), 2, "TITLE given twice (first on line 1)"),
    "keyword after data": (
        lines("LUT_3D_SIZE 2", *IDENTITY_2_ROWS[:2], 'TITLE "late"', *IDENTITY_2_ROWS[2:]),
        4,
        "keyword TITLE after the data rows began (keywords must come before the table)",
    ),
    "missing LUT_3D_SIZE": (
        lines("# no size", *IDENTITY_2_ROWS),
        2,
        "missing LUT_3D_SIZE (it must come before the data rows)",
    ),
    "1D only": (
        lines('TITLE "curve"', "LUT_1D_SIZE 2", "0 0 0", "1 1 1"),
        2,
        "1D-only LUTs are not supported (a 3D LUT is needed): LUT_1D_SIZE without LUT_3D_SIZE",
    ),
    "domain max not above min": (
        lines("DOMAIN_MIN 0 0 0", "DOMAIN_MAX 1 0 1", "LUT_3D_SIZE 2", *IDENTITY_2_ROWS),
        2,
        "DOMAIN_MAX must exceed DOMAIN_MIN on every channel, found DOMAIN_MIN 0 0 0 and DOMAIN_MAX 1 0 1",
    ),
    "domain min above default max": (
        lines("LUT_3D_SIZE 2", "DOMAIN_MIN 0 0 2", *IDENTITY_2_ROWS),
        2,
        "DOMAIN_MAX must exceed DOMAIN_MIN on every channel, found DOMAIN_MIN 0 0 2 and DOMAIN_MAX 1 1 1 (default)",
    ),
    "domain with two values": (lines("DOMAIN_MIN 0 0"), 1, "DOMAIN_MIN needs 3 numbers, found '0 0'"),
    "domain not finite": (lines("DOMAIN_MAX 1 inf 1"), 1, "DOMAIN_MAX needs finite numbers, found '1 inf 1'"),
    "input range reversed": (
        lines("LUT_3D_SIZE 2", "LUT_3D_INPUT_RANGE 1 0"),
        2,
        "LUT_3D_INPUT_RANGE max must exceed min, found '1 0'",
    ),
    "input range and domain": (
        lines("LUT_3D_SIZE 2", "DOMAIN_MAX 2 2 2", "LUT_3D_INPUT_RANGE 0 2", *IDENTITY_2_ROWS),
        3,
        "LUT_3D_INPUT_RANGE and DOMAIN_MIN/DOMAIN_MAX both set the input domain; give one of them",
    ),
    "1D input range without shaper": (
        lines("LUT_1D_INPUT_RANGE 0 1", "LUT_3D_SIZE 2", *IDENTITY_2_ROWS),
        1,
        "LUT_1D_INPUT_RANGE given without LUT_1D_SIZE",
    ),
    "unquoted title": (lines("TITLE My Look"), 1, "TITLE needs a quoted string, found 'My Look'"),
    "comment after keyword": (
        lines("LUT_3D_SIZE 2 # size"),
        1,
        "'#' comments must be on their own line (Adobe Cube 1.0), found 'LUT_3D_SIZE 2 # size'",
    ),
    "comment after title": (
        lines('TITLE "look" # mine'),
        1,
        "'#' comments must be on their own line (Adobe Cube 1.0), found 'TITLE \"look\" # mine'",
    ),
    "comment after values": (
        lines("LUT_3D_SIZE 2", *replace_row(7, "1 1 1 # white")),
        9,
        "'#' comments must be on their own line (Adobe Cube 1.0), found '1 1 1 # white'",
    ),
    "NUL byte": (lines("LUT_3D_SIZE 2", "0 0\x000"), 2, "not a text .cube file: control character U+0000 found"),
}


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_text(text: str, line: int, message: str) -> None:
    with pytest.raises(CubeError) as caught:
        parse_cube(text, source="grade.cube")
    assert str(caught.value) == f"grade.cube:{line}: {message}"
    assert (caught.value.source, caught.value.line) == ("grade.cube", line)


def test_empty_text_has_no_line() -> None:
    with pytest.raises(CubeError) as caught:
        parse_cube("")
    assert str(caught.value) == "<text>: missing LUT_3D_SIZE (it must come before the data rows)"


def test_wrong_row_count_of_a_33_cube() -> None:
    text = format_cube(Lut3D.identity(33))
    truncated = text[: text.rstrip("\n").rindex("\n") + 1]  # drop the last row
    with pytest.raises(CubeError) as caught:
        parse_cube(truncated, source="grade.cube")
    assert str(caught.value) == "grade.cube:35937: LUT_3D_SIZE 33 needs 35937 rows, found 35936"


def test_binary_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "image.cube"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(CubeError) as caught:
        read_cube(path)
    assert str(caught.value) == f"{path}:1: not a text .cube file: byte 0x89 at offset 0 is not UTF-8"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.cube"
    path.write_bytes(b'LUT_3D_SIZE 2\nTITLE "Caf\xe9"\n')
    with pytest.raises(CubeError) as caught:
        read_cube(path)
    assert str(caught.value) == f"{path}:2: not a text .cube file: byte 0xe9 at offset 24 is not UTF-8"


def test_utf16_file_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "utf16.cube"
    path.write_bytes(IDENTITY_2_TEXT.encode("utf-16-le"))
    with pytest.raises(CubeError) as caught:
        read_cube(path)
    assert str(caught.value) == f"{path}:1: not a text .cube file: control character U+0000 found"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.cube"
    with pytest.raises(CubeError) as caught:
        read_cube(path)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"


def test_fast_formatting_rounds_exactly_like_printf():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.random(20000).astype(np.float32).astype(np.float64),
        np.arange(0, 2001) * 0.5e-6,  # exact and near ties at the sixth decimal
        np.array([0.0, 1.0, 0.9999995, 0.0000005, 0.1234565, 0.5]),
    ])
    values = values[: len(values) // 3 * 3].reshape(-1, 3)
    expected = "".join("%.6f %.6f %.6f\n" % tuple(row) for row in values)  # noqa: UP031 (C's printf rounding)
    assert cube._format_unit_rows(values) == expected
