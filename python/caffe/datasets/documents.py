"""Synthetic photographs of documents, with each document's oriented box, for learning to
find and straighten documents without downloading anything.

    from caffe.datasets import documents
    documents.generate('data/documents/train', 2000, seed=1)   # every core, progress bar

writes `<out>/doc_00000.jpg` ..., `<out>/annotations.csv` (one line per document in the
format of caffe.datasets.annotations: image, class, cx, cy, width, height, angle_degrees)
and `<out>/classes.txt` (the class names; a name's line number, from 0, is its label).

Each photograph: a background (a random crop of one of scikit-image's bundled photographs
or textures, flipped, turned and colour-shifted, or a plain surface), a page rendered with
real fonts (caffe.datasets.pages: letter, invoice, table, form) or, for a few, one of
scikit-image's scanned samples (`page()`, a book page, and `text()`, handwriting on
paper: class `scan`), placed at a random angle, scale and position with a soft shadow,
then lit unevenly (a brightness gradient, a colour cast), blurred a little, given sensor
noise and saved as JPEG. The whole document always lies inside the photograph.

Everything one photograph needs is drawn from a generator seeded with (seed, index), so
a set is the same whatever the number of worker processes.
"""
import math
import multiprocessing
import os

import numpy as np

from . import annotations, pages
from .errors import DatasetError
from .progress import Progress

CLASSES = pages.KINDS + ('scan',)

# scikit-image's bundled images used as backgrounds (no download needed).
BACKGROUNDS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'camera', 'coins', 'moon', 'brick',
               'grass', 'gravel', 'hubble_deep_field', 'retina', 'cell', 'clock',
               'immunohistochemistry')
SCANS = ('page', 'text')

DEFAULTS = dict(
    size=(560, 800),        # the photograph's longer side, pixels (drawn in this range)
    max_angle=180.0,        # document rotation drawn uniformly in +-max_angle degrees
    fill=(0.45, 0.9),       # the rotated document's extent / the photograph's, per axis
    scan_fraction=0.04,     # share of documents that are scikit-image's scans (class scan)
    plain_fraction=0.15,    # share of plain (single-colour, textured) backgrounds
    noise=(1.0, 8.0),       # sensor noise standard deviation, grey levels
    blur=(0.0, 1.0),        # Gaussian blur radius, pixels
    light=0.35,             # strength of the brightness gradient
    quality=(70, 95),       # JPEG quality
    landscape_fraction=None,  # share of landscape pages (every kind but scans); None: only
                              # tables, one in three (pages.ASPECTS)
)


def _load(name):
    import skimage.data
    from PIL import Image
    arr = getattr(skimage.data, name)()
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * 255
    img = Image.fromarray(arr)
    return img.convert('RGB')


_CACHE = {}


def skimage_image(name):
    """One of scikit-image's bundled images as a PIL RGB image (cached per process)."""
    if name not in _CACHE:
        _CACHE[name] = _load(name)
    return _CACHE[name]


def background(rng, W, H, plain_fraction):
    from PIL import Image, ImageOps
    if rng.random() < plain_fraction:   # a desk or table top: one colour with grain
        base = rng.integers(30, 230, 3).astype(np.float32)
        grain = rng.normal(0, rng.uniform(3, 15), (H // 4 + 1, W // 4 + 1, 1)).astype(np.float32)
        arr = np.clip(base + grain, 0, 255).astype(np.uint8)
        return Image.fromarray(arr).resize((W, H), Image.Resampling.BICUBIC)
    src = skimage_image(BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))])
    if rng.random() < 0.5:
        src = ImageOps.mirror(src)
    src = src.rotate(90 * int(rng.integers(4)), expand=True)
    # a random crop with the photograph's aspect, at least 40% of the source's extent
    aspect = W / H
    cw = src.width * rng.uniform(0.4, 1.0)
    ch = cw / aspect
    if ch > src.height:
        ch = src.height * rng.uniform(0.4, 1.0)
        cw = ch * aspect
        if cw > src.width:
            cw = src.width
            ch = cw / aspect
    x0 = rng.uniform(0, src.width - cw)
    y0 = rng.uniform(0, src.height - ch)
    img = src.resize((W, H), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
    tint = rng.uniform(0.7, 1.2, 3) * rng.uniform(0.6, 1.1)
    arr = np.clip(np.asarray(img, np.float32) * tint, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def document_image(rng, cls, landscape_fraction=None):
    """The PIL RGB page of a class name; a synthetic page is landscape with probability
    landscape_fraction (None: pages.ASPECTS decides)."""
    if cls == 'scan':
        img = skimage_image(SCANS[int(rng.integers(len(SCANS)))])
        # scanned grey pages, a little warmer or cooler
        tint = rng.uniform(0.9, 1.05, 3)
        arr = np.clip(np.asarray(img, np.float32) * tint, 0, 255).astype(np.uint8)
        from PIL import Image
        return Image.fromarray(arr)
    landscape = None if landscape_fraction is None else bool(rng.random() < landscape_fraction)
    return pages.render_page(cls, rng, landscape=landscape)


def place(rng, W, H, page_w, page_h, max_angle, fill):
    """Angle, scale and centre that keep the rotated page inside the W x H photograph."""
    angle = float(rng.uniform(-max_angle, max_angle))
    a = math.radians(angle)
    ext_w = abs(page_w * math.cos(a)) + abs(page_h * math.sin(a))   # unscaled extents
    ext_h = abs(page_w * math.sin(a)) + abs(page_h * math.cos(a))
    scale = min(W / ext_w, H / ext_h) * rng.uniform(*fill)
    ew, eh = ext_w * scale, ext_h * scale
    cx = rng.uniform(ew / 2 + 1, W - ew / 2 - 1)
    cy = rng.uniform(eh / 2 + 1, H - eh / 2 - 1)
    return angle, scale, cx, cy


def warp_into(photo, page, box, rng):
    """Draws `page` into `photo` (both PIL RGB) so that it fills the oriented box `box`
    (an annotations.Annotation), with a soft shadow. Antialiased: the page is first
    shrunk by an integer factor, and a transparent margin gives the edges a soft ramp."""
    from PIL import Image, ImageFilter
    scale = box.width / page.width                   # photo pixels per page pixel
    factor = max(1, int(1 / scale))                  # shrink to at most ~2 page px per photo px
    if factor > 1:
        page = page.reduce(factor)
    k = box.width / page.width                       # photo pixels per (shrunk) page pixel
    pad = 2
    rgba = Image.new('RGBA', (page.width + 2 * pad, page.height + 2 * pad), (0, 0, 0, 0))
    rgba.paste(page.convert('RGBA'), (pad, pad))
    # photo (x, y) -> page (u, v): u = right . (p - c) / k + page_w/2 + pad, likewise v
    right, down = box.axes()
    a, b = right / k
    d, e = down / k
    c0 = -(a * box.cx + b * box.cy) + page.width / 2 + pad
    f0 = -(d * box.cx + e * box.cy) + page.height / 2 + pad
    warped = rgba.transform(photo.size, Image.Transform.AFFINE, (a, b, c0, d, e, f0),
                            resample=Image.Resampling.BILINEAR)
    alpha = warped.getchannel('A')
    # shadow: the blurred outline, shifted, darkens the background
    radius = rng.uniform(2, 8)
    dx, dy = (int(v) for v in rng.integers(-6, 7, 2))
    shadow = Image.new('L', photo.size, 0)   # blurred at a quarter of the size: faster
    soft = alpha.reduce(4).filter(ImageFilter.GaussianBlur(radius / 4))
    shadow.paste(soft.resize(alpha.size, Image.Resampling.BILINEAR), (dx, dy))
    strength = rng.uniform(0.2, 0.6)
    arr = np.asarray(photo, np.float32)
    arr *= 1 - strength * (np.asarray(shadow, np.float32)[..., None] / 255)
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    photo.paste(warped.convert('RGB'), (0, 0), alpha)
    return photo


def finish(photo, rng, p):
    """Uneven light, a colour cast, blur, noise."""
    from PIL import Image, ImageFilter
    blur = rng.uniform(*p['blur'])
    if blur > 0.2:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    arr = np.array(photo, np.float32)
    H, W = arr.shape[:2]
    t = rng.uniform(0, 2 * math.pi)
    ramp = ((np.arange(W, dtype=np.float32) / W - 0.5) * math.cos(t))[None, :] + \
        ((np.arange(H, dtype=np.float32) / H - 0.5) * math.sin(t))[:, None]
    light = rng.uniform(0.75, 1.15) * (1 + p['light'] * rng.uniform(0.2, 1) * ramp)
    cast = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    arr *= light[..., None]
    arr *= cast
    noise = rng.standard_normal(arr.shape, dtype=np.float32)
    noise *= rng.uniform(*p['noise'])
    arr += noise
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_photo(seed, index, classes=CLASSES, **params):
    """One synthetic photograph: (PIL RGB image, [Annotation] with image name '' to fill,
    JPEG quality). Deterministic in (seed, index, params)."""
    p = dict(DEFAULTS, **params)
    rng = np.random.default_rng([int(seed), int(index)])
    long_side = int(rng.integers(p['size'][0], p['size'][1] + 1))
    short_side = int(round(long_side * 0.75))
    W, H = (long_side, short_side) if rng.random() < 0.5 else (short_side, long_side)
    photo = background(rng, W, H, p['plain_fraction'])
    real = [c for c in classes if c == 'scan']
    synthetic = [c for c in classes if c != 'scan']
    if real and (not synthetic or rng.random() < p['scan_fraction']):
        cls = 'scan'
    else:
        cls = synthetic[int(rng.integers(len(synthetic)))]
    page = document_image(rng, cls, p['landscape_fraction'])
    angle, scale, cx, cy = place(rng, W, H, page.width, page.height, p['max_angle'], p['fill'])
    box = annotations.Annotation('', cls, cx, cy, page.width * scale, page.height * scale, angle)
    photo = warp_into(photo, page, box, rng)
    photo = finish(photo, rng, p)
    quality = int(rng.integers(p['quality'][0], p['quality'][1] + 1))
    return photo, [box], quality


def _work(job):
    out_dir, seed, index, classes, params = job
    photo, boxes, quality = make_photo(seed, index, classes, **params)
    name = f'doc_{index:05d}.jpg'
    photo.save(os.path.join(out_dir, name), quality=quality)
    return index, [b._replace(image=name) for b in boxes]


def generate(out_dir, n, seed=0, classes=CLASSES, workers=None, quiet=False, **params):
    """Writes n photographs, annotations.csv and classes.txt into out_dir (created if
    needed). workers: processes (default: every core). Returns the annotations."""
    unknown = [c for c in classes if c not in CLASSES]
    if unknown or not classes:
        raise DatasetError(f'unknown document classes {unknown}; choose from {", ".join(CLASSES)}')
    bad = set(params) - set(DEFAULTS)
    if bad:
        raise TypeError(f'unknown parameters {sorted(bad)}; known: {sorted(DEFAULTS)}')
    share = params.get('landscape_fraction')
    if share is not None and not 0 <= share <= 1:
        raise ValueError(f'landscape_fraction={share} must lie in [0, 1] (or be None)')
    os.makedirs(out_dir, exist_ok=True)
    pages.families()  # fails early, with the packages to install, when no font is found
    import skimage.data  # noqa: F401  (imported once here, not in every worker)
    jobs = [(out_dir, seed, i, tuple(classes), params) for i in range(n)]
    workers = workers or os.cpu_count() or 1
    found = [None] * n
    stream = open(os.devnull, 'w') if quiet else None
    with Progress(n, 'documents', stream=stream) as bar:
        if workers == 1:
            results = map(_work, jobs)
            pool = None
        else:
            pool = multiprocessing.get_context('fork').Pool(workers)
            results = pool.imap_unordered(_work, jobs, chunksize=max(1, min(16, n // (4 * workers))))
        try:
            for index, boxes in results:
                found[index] = boxes
                bar.update(1)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    rows = [b for boxes in found for b in boxes]
    annotations.write_csv(os.path.join(out_dir, 'annotations.csv'), rows)
    annotations.write_classes(os.path.join(out_dir, 'classes.txt'), classes)
    return rows
