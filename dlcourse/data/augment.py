"""Data augmentation: copies of the training images moved by a few pixels.

MNIST digits are centred by their centre of mass, but a handwritten digit is never exactly
where the average one is. Training on copies shifted by up to two pixels (as LeCun et al.
did with their distortions) teaches a network that a digit moved a little is the same digit.
"""
from __future__ import annotations

import numpy as np


def random_shifts(images: np.ndarray, max_shift: int = 2, seed: int = 0) -> np.ndarray:
    """Each image moved by its own random (dy, dx), each in [-max_shift, max_shift]; zero fill.

    images: (m, H, W) or (m, C, H, W), any dtype. Returns a new array of the same shape and
    dtype; pixels moved past an edge are dropped, the uncovered border is 0. Deterministic for
    a given seed.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"random_shifts expects images of shape (m, H, W) or (m, C, H, W), not {images.shape}")
    if not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"max_shift must be a whole number of pixels >= 0, not {max_shift!r}")
    s = int(max_shift)
    H, W = images.shape[-2:]
    if s >= min(H, W):
        raise ValueError(f"max_shift={s} would move a {H}x{W} image entirely out of its frame")
    # pad by s on every side; a crop starting at (s + dy, s + dx) is the image moved by (-dy, -dx)
    padding = [(0, 0)] * (images.ndim - 2) + [(s, s), (s, s)]
    padded = np.pad(images, padding)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 2 * s + 1, size=(2, len(images)))
    shifted = np.empty_like(images)
    # one vectorised copy per distinct shift ((2s+1)^2 of them) rather than one per image
    for top in range(2 * s + 1):
        for left in range(2 * s + 1):
            chosen = (starts[0] == top) & (starts[1] == left)
            shifted[chosen] = padded[chosen, ..., top:top + H, left:left + W]
    return shifted
