"""The OpenColorIO processor gives what the numpy reference gives."""

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.errors import LutError
from pix2lut.lut import Lut3D, identity_table
from pix2lut.processor import LutProcessor

ATOL = 1e-6


def graded(size: int) -> Lut3D:
    table = identity_table(size) ** np.array([1.2, 0.8, 1.5], dtype=np.float32)
    table[..., 0] = 0.7 * table[..., 0] + 0.3 * table[..., 2]  # channel mixing: the axis order matters
    return Lut3D(table)


@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("size", [2, 17, 33])
def test_processor_matches_the_reference(interp, size):
    lut = graded(size)
    image = np.random.default_rng(size).random((40, 30, 3)).astype(np.float32)
    np.testing.assert_allclose(LutProcessor(lut, interp).apply(image), apply_lut(image, lut, interp), atol=ATOL)


def test_processor_leaves_its_input_alone_and_clamps_like_the_reference():
    lut = graded(9)
    pixels = np.array([[-0.5, 0.5, 2.0], [np.nan, 0.2, 0.3]], dtype=np.float32)
    original = pixels.copy()
    np.testing.assert_allclose(LutProcessor(lut).apply(pixels), apply_lut(pixels, lut), atol=ATOL)
    np.testing.assert_array_equal(pixels, original)


def test_processor_refuses_a_lut_with_a_domain():
    lut = Lut3D(identity_table(5) * 2, domain_max=(2.0, 2.0, 2.0))
    with pytest.raises(LutError, match="the OpenColorIO processor takes LUTs on \\[0, 1\\] without shaper"):
        LutProcessor(lut)
