"""MNIST sequences in clutter: the `mnist_sequence3` set of the recurrent spatial
transformer paper (Sonderby et al. 2015, "Recurrent Spatial Transformer Networks").

Each example is a square canvas of `canvas_w` x `canvas_w` pixels, values in [0, 1], with
`num_digits` MNIST digits (28 x 28) side by side and `num_dist` distractors; its label is
the digits' classes from left to right. Placement and distractors follow the paper's own
generator (MNIST_SEQUENCE/create_mnist_sequence.py in the authors' code release):

1. The digits are drawn uniformly, with replacement, from the source set.
2. Horizontally they touch: digit i starts at column x0 + 28 i, where x0 is uniform over
   the positions that keep the whole row of digits (28 * num_digits pixels) inside.
3. Vertically they follow a random slope: y0 is uniform over all canvas rows and the slope
   s an integer uniform in [-max_slope, max_slope] (the paper: up to half a digit's
   height); digit i starts at row y0 + i s, moved back inside the canvas where it would
   stick out (each digit on its own, so a slope can flatten against an edge).
4. Distractors: `num_dist` random `dist_w` x `dist_w` crops of random digits (9 x 9 for
   mnist_sequence3), each at a random position wholly inside the canvas, drawn on a layer
   of their own where a later one covers an earlier one; that layer is added to the
   digits and the sum clamped to [0, 1].

Differences from the authors' script, all deliberate: positions range over every place
that fits (their ranges stop one pixel short on some sides); the slope range is symmetric;
distractors are cut from the same split's digits as the sequence (theirs, for every
split, come from the training and validation digits). The source pixel values are
divided by 255. Everything is drawn from one numpy RandomState, so a seed reproduces a
set exactly.

    images, labels, positions = generate(train_x, train_y, 1000, PRESETS['sequence3'],
                                         seed=1)
"""
import numpy as np

# canvas_w, num_digits, num_dist, dist_w, max_slope
PRESETS = {
    # The paper's mnist_sequence3_sample_8distortions_9x9: three digits on 100 x 100,
    # 8 distractors of 9 x 9.
    'sequence3': dict(canvas_w=100, num_digits=3, num_dist=8, dist_w=9, max_slope=14),
}


def check_config(canvas_w, num_digits, num_dist, dist_w, max_slope, digit_w=28):
    if num_digits < 1 or num_digits * digit_w > canvas_w:
        raise ValueError(f'num_digits={num_digits}: {num_digits} digits of {digit_w} pixels '
                         f'side by side must fit in the {canvas_w}-pixel canvas')
    if dist_w < 1 or dist_w > digit_w:
        raise ValueError(f'dist_w={dist_w}: a distractor must fit in a digit ({digit_w})')
    if num_dist < 0:
        raise ValueError(f'num_dist={num_dist} must be >= 0')
    if max_slope < 0:
        raise ValueError(f'max_slope={max_slope} must be >= 0')


class Generator:
    """Draws sequence examples from a source set (uint8 N x 28 x 28 digits, labels)."""

    def __init__(self, digits, labels, canvas_w=100, num_digits=3, num_dist=8, dist_w=9,
                 max_slope=14, seed=None):
        digits = np.asarray(digits)
        if digits.ndim != 3 or digits.shape[1] != digits.shape[2]:
            raise ValueError(f'digits must be N x w x w, found {digits.shape}')
        if len(digits) == 0 or len(labels) != len(digits):
            raise ValueError(f'{len(digits)} digits and {len(labels)} labels: need as many '
                             f'labels as digits, and at least one')
        check_config(canvas_w, num_digits, num_dist, dist_w, max_slope, digits.shape[1])
        self.digits = digits.astype(np.float32) / 255.0
        self.labels = np.asarray(labels)
        self.w, self.num_digits, self.num_dist = canvas_w, num_digits, num_dist
        self.dist_w, self.max_slope = dist_w, max_slope
        self.rng = np.random.RandomState(seed)

    def example(self):
        """(canvas float32 w x w, labels (num_digits,), top-left (row, column) of each
        digit, num_digits x 2)."""
        w, d, dw, rng = self.w, self.digits.shape[1], self.dist_w, self.rng
        picks = rng.randint(len(self.digits), size=self.num_digits)
        x0 = rng.randint(w - self.num_digits * d + 1)
        y0 = rng.randint(w)
        slope = rng.randint(-self.max_slope, self.max_slope + 1)
        canvas = np.zeros((w, w), np.float32)
        positions = np.empty((self.num_digits, 2), np.int64)
        for i, index in enumerate(picks):
            y = min(max(y0 + i * slope, 0), w - d)
            x = x0 + i * d
            canvas[y:y + d, x:x + d] = self.digits[index]
            positions[i] = y, x
        if self.num_dist:
            clutter = np.zeros((w, w), np.float32)
            for _ in range(self.num_dist):
                source = self.digits[rng.randint(len(self.digits))]
                sy, sx = rng.randint(d - dw + 1, size=2)
                ty, tx = rng.randint(w - dw + 1, size=2)
                clutter[ty:ty + dw, tx:tx + dw] = source[sy:sy + dw, sx:sx + dw]
            canvas += clutter
            np.clip(canvas, 0.0, 1.0, out=canvas)
        return canvas, self.labels[picks], positions

    def batch(self, n, progress=None):
        """(images float32 n x w x w, labels int64 n x num_digits, positions int64
        n x num_digits x 2)."""
        images = np.empty((n, self.w, self.w), np.float32)
        labels = np.empty((n, self.num_digits), np.int64)
        positions = np.empty((n, self.num_digits, 2), np.int64)
        for i in range(n):
            images[i], labels[i], positions[i] = self.example()
            if progress is not None:
                progress.update(1)
        return images, labels, positions


def generate(digits, labels, n, config=None, seed=None, progress=None, **params):
    """(images float32 n x w x w in [0, 1], labels n x num_digits, positions
    n x num_digits x 2): n examples with the given parameters (a PRESETS entry and/or
    canvas_w, num_digits, num_dist, dist_w, max_slope)."""
    settings = dict(config or {})
    settings.update(params)
    return Generator(digits, labels, seed=seed, **settings).batch(n, progress)
