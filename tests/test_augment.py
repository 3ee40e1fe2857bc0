"""dlcourse.data.random_shifts: shifted copies for data augmentation."""
import numpy as np
import pytest

from dlcourse.data import random_shifts


def single_dots(m: int, size: int = 12) -> np.ndarray:
    """m images of size x size, each with one pixel of ink in the centre."""
    images = np.zeros((m, size, size), dtype=np.uint8)
    images[:, size // 2, size // 2] = 255
    return images


def test_each_image_moves_by_at_most_max_shift_and_every_shift_occurs():
    shifted = random_shifts(single_dots(500), max_shift=2, seed=0)
    assert shifted.shape == (500, 12, 12) and shifted.dtype == np.uint8
    m, rows, cols = np.nonzero(shifted)
    assert np.array_equal(m, np.arange(500)), "every image keeps exactly its one pixel of ink"
    moves = set(zip(rows - 6, cols - 6))
    assert moves == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


def test_deterministic_for_a_seed_and_different_for_another():
    images = np.random.default_rng(3).integers(0, 256, (50, 10, 10)).astype(np.uint8)
    assert np.array_equal(random_shifts(images, 2, seed=1), random_shifts(images, 2, seed=1))
    assert not np.array_equal(random_shifts(images, 2, seed=1), random_shifts(images, 2, seed=2))


def test_zero_shift_is_a_copy_and_the_input_is_untouched():
    images = np.random.default_rng(4).random((5, 6, 7))
    before = images.copy()
    out = random_shifts(images, max_shift=0)
    assert np.array_equal(out, images) and out is not images
    random_shifts(images, max_shift=3)
    assert np.array_equal(images, before)


def test_ink_away_from_the_edges_is_kept_whole():
    images = np.zeros((40, 28, 28))
    images[:, 8:20, 10:18] = np.random.default_rng(5).random((40, 12, 8))
    shifted = random_shifts(images, max_shift=2, seed=6)
    assert np.allclose(shifted.sum(axis=(1, 2)), images.sum(axis=(1, 2)))


def test_channels_move_together():
    images = np.zeros((30, 3, 9, 9), dtype=np.float32)
    images[:, :, 4, 4] = [1.0, 2.0, 3.0]
    shifted = random_shifts(images, max_shift=1, seed=0)
    for image in shifted:
        positions = [tuple(np.argwhere(channel)[0]) for channel in image]
        assert len(set(positions)) == 1
        assert [float(image[c][positions[0]]) for c in range(3)] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("images, max_shift, message", [
    (np.zeros((4, 4)), 1, "shape"),
    (np.zeros((2, 8, 8)), -1, ">= 0"),
    (np.zeros((2, 8, 8)), 1.5, ">= 0"),
    (np.zeros((2, 4, 8)), 4, "out of its frame"),
])
def test_bad_arguments_are_refused_with_a_clear_message(images, max_shift, message):
    with pytest.raises(ValueError, match=message):
        random_shifts(images, max_shift)
