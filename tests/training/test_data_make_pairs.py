"""Tests for training.data.make_pairs: the files it writes read back as the pairs, and the contact sheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pix2lut.cube import read_cube
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import resample
from training.data.make_pairs import GAP, SHEET_COLUMNS, THUMBNAIL_SIDE, main, make_pairs
from training.data.pairs import Pair
from training.errors import DataError

CODE_VALUE_16 = 1.0 / 65535.0
CUBE_ATOL = 5e-7  # 6 decimals
LUT_SIZE = 9


def ramp(height: int = 20, width: int = 30) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([x / width, y / height, np.full_like(x, 0.5)], axis=-1)


def pairs(count: int) -> list[Pair]:
    warm = Lut3D(np.clip(identity_table(5) * np.array([1.0, 0.9, 0.8], np.float32), 0, 1))
    made = []
    for index in range(count):
        source = ramp() * (0.5 + 0.1 * index)
        lut = warm if index % 2 == 0 else None
        made.append(Pair(source, np.clip(source * [1.0, 0.9, 0.8], 0, 1).astype(np.float32), lut, f"p{index}"))
    return made


def test_make_pairs_writes_sources_targets_luts_and_a_contact_sheet(tmp_path: Path) -> None:
    given = pairs(5)
    written = make_pairs(given, tmp_path, count=5, lut_size=LUT_SIZE)
    names = [p.relative_to(tmp_path).as_posix() for p in written]
    assert names[:5] == ["source/0000.png", "target/0000.png", "lut/0000.cube", "source/0001.png", "target/0001.png"]
    assert names[-1] == "contact_sheet.png" and len(names) == 5 * 2 + 3 + 1
    assert all(path.is_file() for path in written)

    np.testing.assert_allclose(read_image(tmp_path / "source/0003.png").pixels, given[3].source, atol=CODE_VALUE_16)
    np.testing.assert_allclose(read_image(tmp_path / "target/0003.png").pixels, given[3].target, atol=CODE_VALUE_16)
    lut = read_cube(tmp_path / "lut/0002.cube")
    assert lut.size == LUT_SIZE
    np.testing.assert_allclose(lut.table, resample(given[2].lut, LUT_SIZE).table, atol=CUBE_ATOL)
    assert not (tmp_path / "lut/0001.cube").exists()

    sheet = read_image(tmp_path / "contact_sheet.png").pixels
    rows, columns = 2, SHEET_COLUMNS  # 5 pairs, 4 to a row
    assert sheet.shape == (
        rows * THUMBNAIL_SIDE + (rows + 1) * GAP,
        columns * 2 * THUMBNAIL_SIDE + (columns + 1) * GAP,
        3,
    )


def test_make_pairs_refuses_more_pairs_than_there_are(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^count must be in 1..2 \(the pairs available\), found 3$"):
        make_pairs(pairs(2), tmp_path, count=3, lut_size=LUT_SIZE)


def test_main_synthesizes_pairs_from_a_photo_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "photos").mkdir()
    write_image(tmp_path / "photos" / "a.png", ramp(40, 60))
    argv = [
        "--task",
        "grade",
        "--photos",
        str(tmp_path / "photos"),
        "--count",
        "2",
        "--size",
        "16",
        "--lut-size",
        "5",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(argv) == 0
    assert read_cube(tmp_path / "out" / "lut" / "0001.cube").size == 5
    assert "wrote 7 files" in capsys.readouterr().out


def test_main_reports_a_missing_photo_folder_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--photos", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"make_pairs: photo folder {tmp_path / 'absent'} does not exist\n"
