"""Oriented-box annotations: the CSV format and the geometry shared by the document
generator, the annotation tool and the extraction tool.

The CSV file has the header line

    image,class,cx,cy,width,height,angle_degrees

and one line per annotated object:

- `image`: the image file, relative to the image folder (by default the CSV's folder);
- `class`: the object's class name (e.g. `invoice`);
- `cx, cy`: the box centre in pixels of the full image, x to the right, y downwards, in
  continuous coordinates: the image covers [0, image width] x [0, image height], so the
  top-left pixel spans [0, 1) x [0, 1) and its centre is (0.5, 0.5);
- `width, height`: the box size in pixels, `width` along the object's own horizontal axis
  (a document's text lines), `height` along its vertical axis;
- `angle_degrees`: the object's rotation, counter-clockwise positive as seen on screen;
  0 means upright (its top edge is at the top). An object turned a quarter turn to the
  left (its top facing left) has angle 90.

So the object's "right" direction in the image is (cos a, -sin a) and its "down" direction
(sin a, cos a) (x, y components, y downwards), and its corners are
centre +- width/2 * right +- height/2 * down.
"""
import csv
import math
import os
from collections import namedtuple

import numpy as np

from .errors import DatasetError

HEADER = ('image', 'class', 'cx', 'cy', 'width', 'height', 'angle_degrees')


class Annotation(namedtuple('Annotation', 'image cls cx cy width height angle')):
    """One oriented box (the `class` column is `cls`; `angle` is in degrees)."""
    __slots__ = ()

    def axes(self):
        """(right, down): the box's unit axes in image coordinates (x, y; y downwards)."""
        a = math.radians(self.angle)
        return np.array([math.cos(a), -math.sin(a)]), np.array([math.sin(a), math.cos(a)])

    def corners(self):
        """4 x 2 array (x, y): top-left, top-right, bottom-right, bottom-left of the object
        (as the object sees them: after a half turn its top-left corner is at the bottom
        right of the image)."""
        right, down = self.axes()
        c = np.array([self.cx, self.cy])
        w, h = self.width / 2, self.height / 2
        return np.array([c - w * right - h * down, c + w * right - h * down,
                         c + w * right + h * down, c - w * right + h * down])

    def to_image(self, u, v):
        """Image (x, y) of the point (u, v) in the object's own upright frame, u in
        [0, width] from its left edge, v in [0, height] from its top edge."""
        right, down = self.axes()
        u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
        x = self.cx + (u - self.width / 2) * right[0] + (v - self.height / 2) * down[0]
        y = self.cy + (u - self.width / 2) * right[1] + (v - self.height / 2) * down[1]
        return x, y


def _number(text, name, where):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise DatasetError(f'{where}: {name} must be a number, got {text!r}') from None
    if not math.isfinite(value):
        raise DatasetError(f'{where}: {name} must be finite, got {text!r}')
    return value


def read_csv(path):
    """The annotations of a CSV file, in file order. Raises DatasetError naming the file
    and line for a missing or wrong header, a short line, a non-number, a size <= 0."""
    if not os.path.isfile(path):
        raise DatasetError(f'annotation file {path!r} does not exist')
    out = []
    with open(path, newline='') as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise DatasetError(f'{path} line 1: the header must be {",".join(HEADER)!r}, '
                               f'got {",".join(header or [])!r}')
        for line, row in enumerate(rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            where = f'{path} line {line}'
            if len(row) != len(HEADER):
                raise DatasetError(f'{where}: expected {len(HEADER)} columns '
                                   f'({",".join(HEADER)}), got {len(row)}')
            image, cls = row[0].strip(), row[1].strip()
            if not image:
                raise DatasetError(f'{where}: the image column is empty')
            if not cls:
                raise DatasetError(f'{where}: the class column is empty')
            cx, cy, w, h, angle = (_number(t, n, where) for t, n in zip(row[2:], HEADER[2:]))
            for value, name in ((w, 'width'), (h, 'height')):
                if value <= 0:
                    raise DatasetError(f'{where}: {name} must be > 0, got {value:g}')
            out.append(Annotation(image, cls, cx, cy, w, h, angle))
    return out


def format_row(a):
    return [a.image, a.cls] + [f'{v:.3f}' for v in (a.cx, a.cy, a.width, a.height)] + \
        [f'{a.angle:.3f}']


def write_csv(path, annotations):
    """Writes the annotations with the header line, atomically (a temporary file renamed
    over `path`)."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(HEADER)
        for a in annotations:
            writer.writerow(format_row(a))
    os.replace(tmp, path)
    return path


def read_classes(path):
    """Class names, one per line (blank lines ignored); the line order is the label."""
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if len(set(names)) != len(names):
        raise DatasetError(f'{path}: class names repeat')
    return names


def write_classes(path, names):
    with open(path, 'w') as f:
        f.writelines(f'{n}\n' for n in names)
    return path


# --- theta: from a crop back to the upright object -----------------------------------------

def crop_theta(center, size, angle, crop_size, out_size):
    """The SpatialTransformer theta (2x3, docs/compatibility.md: x is the row axis, target
    grid 2*i/n - 1, pixel X = (x + 1) * n/2) that maps a square crop of `crop_size` pixels
    onto the upright object: applied to the crop with output `out_size` = (rows, columns),
    the layer returns the object, its top edge up, filling the output.

    center: the object's centre in the crop, (column, row) in continuous pixel coordinates
    (the crop covers [0, crop_size]^2); size: its (width, height) in crop pixels; angle: its
    rotation in the crop, degrees, counter-clockwise on screen."""
    S = float(crop_size)
    Ho, Wo = out_size
    pc, pr = center
    wc, hc = size
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    # Output pixel (i, j) shows the object's point at (j + 1/2) * wc/Wo from its left edge
    # and (i + 1/2) * hc/Ho from its top; in crop pixels that point lies at
    # centre + (u - wc/2) * right + (v - hc/2) * down with right = (row -s, column c) and
    # down = (row c, column s); the crop's pixel centres sit at normalised 2*(p - 1/2)/S - 1.
    t13 = (2 / S) * (pr + 0.5 * (hc / Ho) * c - 0.5 * (wc / Wo) * s) - 1 / S - 1
    t23 = (2 / S) * (pc + 0.5 * (wc / Wo) * c + 0.5 * (hc / Ho) * s) - 1 / S - 1
    return np.array([[hc / S * c, -wc / S * s, t13],
                     [hc / S * s, wc / S * c, t23]])


def theta_angle(theta):
    """The rotation (degrees, counter-clockwise on screen) that a theta of crop_theta's
    form undoes: the angle of the rotation nearest to its 2x2 part. Works on N x 6 or
    N x 2 x 3 arrays too (returns N angles)."""
    t = np.asarray(theta, np.float64).reshape(-1, 6)
    a = np.degrees(np.arctan2(t[:, 3] - t[:, 1], t[:, 0] + t[:, 4]))
    return a if np.ndim(theta) > 1 and np.size(theta) > 6 else a[0]


def angle_difference(a, b):
    """|a - b| in degrees, wrapped into [0, 180]."""
    d = np.mod(np.asarray(a, np.float64) - np.asarray(b, np.float64) + 180.0, 360.0) - 180.0
    return np.abs(d)


def theta_corners(theta, crop_size, out_size=None):
    """Crop (column, row) continuous pixel coordinates of the corners of the region that
    theta shows in an output of out_size = (rows, columns): the output's outer pixel edges,
    in the order top-left, top-right, bottom-right, bottom-left of the output. For a
    crop_theta with the same out_size these are the object's corners; without out_size the
    grid's -1 and +1 are used (the corners up to half an output pixel)."""
    t = np.asarray(theta, np.float64).reshape(2, 3)
    S = float(crop_size)
    if out_size is None:
        lo_r = lo_c = -1.0
        hi_r = hi_c = 1.0
    else:  # output pixel i spans [i, i + 1): its edges sit half a step before the grid point
        lo_r, hi_r = -1 - 1.0 / out_size[0], 1 - 1.0 / out_size[0]
        lo_c, hi_c = -1 - 1.0 / out_size[1], 1 - 1.0 / out_size[1]
    pts = []
    for xt, yt in ((lo_r, lo_c), (lo_r, hi_c), (hi_r, hi_c), (hi_r, lo_c)):
        xs = t[0, 0] * xt + t[0, 1] * yt + t[0, 2]
        ys = t[1, 0] * xt + t[1, 1] * yt + t[1, 2]
        pts.append(((ys + 1) * S / 2 + 0.5, (xs + 1) * S / 2 + 0.5))
    return np.array(pts)
