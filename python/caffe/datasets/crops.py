"""Training crops from oriented-box annotations, with the theta that straightens them
(the logic of tools/extract_annotations.py).

For each annotation (caffe.datasets.annotations), `samples` square crops are cut from its
image around the object, each turned by a random angle (uniform in +-rotation degrees),
scaled (the crop's side is max(width, height) times a factor drawn from `scale`) and
shifted (the crop centre moves by up to `translation` times the side along each of the
crop's axes), and resized to `size` x `size` pixels. With each crop goes the 6-number
theta of the SpatialTransformer (annotations.crop_theta) that maps the crop onto the
upright object: SpatialTransformer(crop, theta) with output `upright` = (rows, columns)
shows the object straight, filling the output. `angle` is the object's rotation in the crop
(degrees, counter-clockwise on screen: the rotation noise); theta's 2x2 part is the
rotation by `angle` times the object's size relative to the crop.

    write(csv_path, out_dir, samples=25)   # LMDB + HDF5, every core, progress bar

writes into out_dir:

- `crops_lmdb/`: the crops as Datums (channels x size x size bytes, BGR as
  convert_imageset stores them, or one grey channel), label = the class index, keys
  `00000000`, `00000001`, ... in a random order of the samples, so that a Data layer
  reading them in key order sees shuffled batches;
- `labels.h5` with one row per crop, in the same order: `theta` (N x 6, row-major 2x3),
  `angle` (N, degrees), `beta` (N x 1: angle / 180, the "rotation" transformer's
  parameter), `label` (N, class index), `annotation` (N, the annotation's line in the CSV,
  from 0 for the first line after the header) and `crop` (N x 4: the crop's centre x, y
  and side in image pixels and its angle in degrees, to map predictions back onto the
  image); `labels.txt` names labels.h5 for an HDF5Data layer;
- `info.json`: the parameters, counts and class names.
"""
import json
import math
import multiprocessing
import os

import numpy as np

from . import annotations
from .errors import DatasetError
from .progress import Progress

DEFAULTS = dict(size=64, samples=25, rotation=180.0, scale=(1.1, 1.4), translation=0.05,
                upright=None, gray=False)


class Crop:
    """Where a crop lies in its image: centre (x, y), side (image pixels), angle (degrees,
    counter-clockwise: the crop's own upright frame in the image)."""

    def __init__(self, cx, cy, side, angle):
        self.cx, self.cy, self.side, self.angle = float(cx), float(cy), float(side), float(angle)

    def axes(self):
        a = math.radians(self.angle)
        return np.array([math.cos(a), -math.sin(a)]), np.array([math.sin(a), math.cos(a)])

    def to_image(self, col, row, size):
        """Image (x, y) of crop point (col, row), continuous coordinates of a size x size
        crop."""
        right, down = self.axes()
        k = self.side / size
        col, row = np.asarray(col, np.float64), np.asarray(row, np.float64)
        x = self.cx + (col - size / 2) * k * right[0] + (row - size / 2) * k * down[0]
        y = self.cy + (col - size / 2) * k * right[1] + (row - size / 2) * k * down[1]
        return x, y

    def from_image(self, x, y, size):
        """Crop (col, row) of image point (x, y)."""
        right, down = self.axes()
        k = size / self.side
        dx, dy = np.asarray(x, np.float64) - self.cx, np.asarray(y, np.float64) - self.cy
        return size / 2 + k * (right[0] * dx + right[1] * dy), \
            size / 2 + k * (down[0] * dx + down[1] * dy)


def draw_crop(ann, rng, rotation=180.0, scale=(1.1, 1.4), translation=0.05):
    """(Crop, angle): a random crop around the annotated object, and the object's rotation
    inside it (degrees, counter-clockwise)."""
    angle = float(rng.uniform(-rotation, rotation)) if rotation > 0 else 0.0
    side = max(ann.width, ann.height) * float(rng.uniform(*scale))
    crop = Crop(ann.cx, ann.cy, side, ann.angle - angle)
    right, down = crop.axes()
    shift = rng.uniform(-translation, translation, 2) * side
    crop.cx += shift[0] * right[0] + shift[1] * down[0]
    crop.cy += shift[0] * right[1] + shift[1] * down[1]
    return crop, angle


def label(ann, crop, angle, size, upright):
    """The theta (2x3) that maps the size x size crop onto the upright object, shown at
    upright = (rows, columns)."""
    center = crop.from_image(ann.cx, ann.cy, size)
    k = size / crop.side
    return annotations.crop_theta(center, (ann.width * k, ann.height * k), angle, size, upright)


def render(image, crop, size):
    """The crop as a uint8 array (size, size, channels) from a PIL image: bilinear, from
    a copy of the image first shrunk by an integer factor when the crop shrinks it more
    than twice (against aliasing). Outside the image is black."""
    from PIL import Image
    k = crop.side / size                         # image pixels per crop pixel
    factor = max(1, int(k / 1.5))
    if factor > 1:
        image = image.reduce(factor)
    right, down = crop.axes()
    a, d = right * k / factor
    b, e = down * k / factor
    c = crop.cx / factor - size / 2 * (a + b)
    f = crop.cy / factor - size / 2 * (d + e)
    out = image.transform((size, size), Image.Transform.AFFINE, (a, b, c, d, e, f),
                          resample=Image.Resampling.BILINEAR)
    arr = np.asarray(out)
    return arr[..., None] if arr.ndim == 2 else arr


def _check(params):
    p = dict(DEFAULTS, **params)
    bad = set(params) - set(DEFAULTS)
    if bad:
        raise TypeError(f'unknown parameters {sorted(bad)}; known: {sorted(DEFAULTS)}')
    if int(p['size']) < 2:
        raise ValueError(f'size must be at least 2 pixels, got {p["size"]}')
    if int(p['samples']) < 1:
        raise ValueError(f'samples must be at least 1, got {p["samples"]}')
    lo, hi = p['scale']
    if not 0 < lo <= hi:
        raise ValueError(f'scale must be a range 0 < lo <= hi, got {p["scale"]}')
    if not 0 <= p['rotation'] <= 180:
        raise ValueError(f'rotation must be in [0, 180] degrees, got {p["rotation"]}')
    if p['translation'] < 0:
        raise ValueError(f'translation must be >= 0, got {p["translation"]}')
    p['size'], p['samples'] = int(p['size']), int(p['samples'])
    p['upright'] = tuple(int(v) for v in (p['upright'] or (p['size'], p['size'])))
    return p


def crops_of_image(image, anns, seed, indices, **params):
    """For annotations `anns` of one PIL image (their CSV indices `indices`): a list of
    (annotation index, crops uint8 (samples, size, size, C), theta (samples, 6),
    angles (samples,), crop boxes (samples, 4)). Each annotation's draws come from a
    generator seeded with (seed, its index)."""
    p = _check(params)
    image = image.convert('L' if p['gray'] else 'RGB')
    out = []
    for ann, index in zip(anns, indices):
        rng = np.random.default_rng([int(seed), int(index)])
        crops, thetas, angles, boxes = [], [], [], []
        for _ in range(p['samples']):
            crop, angle = draw_crop(ann, rng, p['rotation'], p['scale'], p['translation'])
            crops.append(render(image, crop, p['size']))
            thetas.append(label(ann, crop, angle, p['size'], p['upright']).reshape(6))
            angles.append(angle)
            boxes.append((crop.cx, crop.cy, crop.side, crop.angle))
        out.append((index, np.stack(crops), np.array(thetas), np.array(angles), np.array(boxes)))
    return out


def _work(job):
    from PIL import Image
    path, anns, indices, seed, params = job
    try:
        with Image.open(path) as img:
            img.load()
            return crops_of_image(img, anns, seed, indices, **params)
    except (OSError, ValueError) as e:
        raise DatasetError(f'{path}: cannot read the image ({e})') from None


def write(csv_path, out_dir, images_dir=None, classes=None, seed=0, workers=None, quiet=False,
          backend='lmdb', **params):
    """Extracts the crops of every annotation in csv_path into out_dir (see the module
    docstring). images_dir: where the CSV's image paths start (default: the CSV's folder);
    classes: the class names in label order (default: classes.txt beside the CSV if
    present, else the classes in order of first appearance). Returns the info dict."""
    from . import annotations as A
    from ..io import DBWriter, array_to_datum
    import h5py
    p = _check(params)
    anns = A.read_csv(csv_path)
    if not anns:
        raise DatasetError(f'{csv_path}: no annotations')
    images_dir = images_dir or os.path.dirname(os.path.abspath(csv_path))
    if classes is None:
        listed = os.path.join(os.path.dirname(os.path.abspath(csv_path)), 'classes.txt')
        classes = A.read_classes(listed) if os.path.exists(listed) else \
            list(dict.fromkeys(a.cls for a in anns))
    classes = list(classes)
    unknown = sorted({a.cls for a in anns} - set(classes))
    if unknown:
        raise DatasetError(f'{csv_path}: classes {unknown} are not among {classes}')
    by_image = {}
    for i, a in enumerate(anns):
        by_image.setdefault(a.image, []).append(i)
    missing = [im for im in by_image if not os.path.isfile(os.path.join(images_dir, im))]
    if missing:
        raise DatasetError(f'{csv_path}: {len(missing)} image(s) not found under {images_dir}, '
                           f'e.g. {missing[0]!r}')
    db_path = os.path.join(out_dir, 'crops_lmdb' if backend == 'lmdb' else 'crops_leveldb')
    if os.path.exists(db_path):
        raise DatasetError(f'{db_path} already exists; remove it or choose another folder')
    os.makedirs(out_dir, exist_ok=True)
    S, N = p['samples'], len(anns)
    total = S * N
    order = np.random.default_rng([int(seed), 1 << 30]).permutation(total)
    channels = 1 if p['gray'] else 3
    theta = np.zeros((total, 6), np.float32)
    angle = np.zeros(total, np.float32)
    boxes = np.zeros((total, 4), np.float32)
    labels = np.zeros(total, np.float32)
    source = np.zeros(total, np.int32)
    job_params = {k: p[k] for k in DEFAULTS}
    jobs = [(os.path.join(images_dir, im), [anns[i] for i in idx], idx, seed, job_params)
            for im, idx in by_image.items()]
    workers = workers or os.cpu_count() or 1
    stream = open(os.devnull, 'w') if quiet else None
    # the worker processes start before the database opens (an LMDB handle must not
    # cross a fork)
    pool = multiprocessing.get_context('fork').Pool(workers) if workers > 1 else None
    if pool is None:
        results = map(_work, jobs)
    else:
        results = pool.imap_unordered(_work, jobs,
                                      chunksize=max(1, min(8, len(jobs) // (8 * workers))))
    with DBWriter(db_path, backend=backend, batch=2000) as db, \
            Progress(total, 'crops', stream=stream) as bar:
        try:
            for per_image in results:
                for index, crops, thetas, angles, crop_boxes in per_image:
                    cls = classes.index(anns[index].cls)
                    for j in range(S):
                        pos = int(order[index * S + j])
                        img = crops[j]
                        chw = img[..., ::-1].transpose(2, 0, 1) if channels == 3 else \
                            img.transpose(2, 0, 1)
                        db.put(b'%08d' % pos, array_to_datum(np.ascontiguousarray(chw), cls))
                        theta[pos], angle[pos], boxes[pos] = thetas[j], angles[j], crop_boxes[j]
                        labels[pos], source[pos] = cls, index
                    bar.update(S)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    h5_path = os.path.join(out_dir, 'labels.h5')
    tmp = h5_path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        f['theta'] = theta
        f['angle'] = angle
        f['beta'] = (angle / 180.0).reshape(-1, 1)
        f['label'] = labels
        f['annotation'] = source
        f['crop'] = boxes
    os.replace(tmp, h5_path)
    with open(os.path.join(out_dir, 'labels.txt'), 'w') as f:
        f.write(h5_path + '\n')
    info = dict(csv=os.path.abspath(csv_path), images=os.path.abspath(images_dir),
                annotations=N, samples_per_annotation=S, samples=total, size=p['size'],
                channels=channels, upright=list(p['upright']), rotation=p['rotation'],
                scale=list(p['scale']), translation=p['translation'], seed=seed,
                classes=classes, lmdb=db_path, labels=h5_path)
    with open(os.path.join(out_dir, 'info.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info
