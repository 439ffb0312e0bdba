"""Cluttered MNIST, as DeepMind's mnist-cluttered generator defines it.

Each example is a square canvas of `megapatch_w` x `megapatch_w` pixels, values in [0, 1]:

1. `num_dist` distractors: for each, a random digit of the source set is picked, a random
   `dist_w` x `dist_w` crop of it is taken and added onto the canvas at a random position
   where it lies wholly inside; afterwards values above 1 become 1.
2. The digit itself (28 x 28) is added at a position drawn uniformly among those that keep
   it at least `border` pixels from every edge (so wholly inside when border >= 0), and
   the values are clamped to [0, 1] again. The digits are taken in a random order, each
   once per pass over the source set, as the original does; the label is the digit's.

Pixel values of the source digits are divided by 255 first. Everything is drawn from one
numpy RandomState, so a seed reproduces a set exactly.

    images, labels = generate(train_x, train_y, 1000, PRESETS['stn60'], seed=1)
"""
import numpy as np

# megapatch_w, num_dist, dist_w, border
PRESETS = {
    # The STN paper's cluttered MNIST (Jaderberg et al. 2015): 60 x 60, 4 distractors 8 x 8.
    'stn60': dict(megapatch_w=60, num_dist=4, dist_w=8, border=0),
    # DeepMind's mnist-cluttered example: 100 x 100, 8 distractors 8 x 8.
    'deepmind100': dict(megapatch_w=100, num_dist=8, dist_w=8, border=0),
}


def check_config(megapatch_w, num_dist, dist_w, border, digit_w=28):
    if dist_w < 1 or dist_w > digit_w or dist_w > megapatch_w:
        raise ValueError(f'dist_w={dist_w}: a distractor must fit in a digit ({digit_w}) '
                         f'and in the canvas ({megapatch_w})')
    if num_dist < 0:
        raise ValueError(f'num_dist={num_dist} must be >= 0')
    if border < 0 or megapatch_w - digit_w - 2 * border < 0:
        raise ValueError(f'border={border}: a {digit_w}-pixel digit with that border does '
                         f'not fit in a {megapatch_w}-pixel canvas')


class Generator:
    """Draws cluttered examples from a source set (uint8 N x 28 x 28 digits, labels)."""

    def __init__(self, digits, labels, megapatch_w=100, num_dist=8, dist_w=8, border=0,
                 seed=None):
        digits = np.asarray(digits)
        if digits.ndim != 3 or digits.shape[1] != digits.shape[2]:
            raise ValueError(f'digits must be N x w x w, found {digits.shape}')
        check_config(megapatch_w, num_dist, dist_w, border, digits.shape[1])
        self.digits = digits.astype(np.float32) / 255.0
        self.labels = np.asarray(labels)
        self.w, self.num_dist, self.dist_w, self.border = megapatch_w, num_dist, dist_w, border
        self.rng = np.random.RandomState(seed)
        self._order, self._next = np.zeros(0, int), 0

    def _next_digit(self):
        if self._next >= len(self._order):
            self._order, self._next = self.rng.permutation(len(self.digits)), 0
        index = self._order[self._next]
        self._next += 1
        return index

    def example(self):
        """(canvas float32 w x w, label, (row, column) of the digit's top-left pixel)."""
        w, d, dw = self.w, self.digits.shape[1], self.dist_w
        canvas = np.zeros((w, w), np.float32)
        rng = self.rng
        for _ in range(self.num_dist):
            source = self.digits[rng.randint(len(self.digits))]
            ty, tx = rng.randint(w - dw + 1, size=2)
            sy, sx = rng.randint(d - dw + 1, size=2)
            canvas[ty:ty + dw, tx:tx + dw] += source[sy:sy + dw, sx:sx + dw]
        np.minimum(canvas, 1.0, out=canvas)
        index = self._next_digit()
        lo, hi = self.border, w - d - self.border
        y, x = rng.randint(lo, hi + 1, size=2)
        canvas[y:y + d, x:x + d] += self.digits[index]
        np.clip(canvas, 0.0, 1.0, out=canvas)
        return canvas, self.labels[index], (int(y), int(x))

    def batch(self, n, progress=None):
        """(images float32 n x w x w, labels int64 n, positions int n x 2)."""
        images = np.empty((n, self.w, self.w), np.float32)
        labels = np.empty(n, np.int64)
        positions = np.empty((n, 2), np.int64)
        for i in range(n):
            images[i], labels[i], positions[i] = self.example()
            if progress is not None:
                progress.update(1)
        return images, labels, positions


def generate(digits, labels, n, config=None, seed=None, progress=None, **params):
    """(images float32 n x w x w in [0, 1], labels): n examples with the given parameters
    (a PRESETS entry and/or megapatch_w, num_dist, dist_w, border)."""
    settings = dict(config or {})
    settings.update(params)
    gen = Generator(digits, labels, seed=seed, **settings)
    images, out_labels, _ = gen.batch(n, progress)
    return images, out_labels


def to_uint8(images):
    """Images in [0, 1] -> uint8 (rounded), as written to PNG files."""
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)
