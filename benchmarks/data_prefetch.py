#!/usr/bin/env python3
"""How much of a training iteration an ImageData net spends waiting for data.

Generates a cluttered-MNIST-like set (default 2000 grey 60x60 PNGs: a digit-like glyph
per class, randomly scaled, rotated and placed, plus stroke clutter; nothing is
downloaded), lists it as `path label`, and runs forward + backward of
    ImageData (batch 64, shuffle, scale 1/255) -> LeNet-like classifier
(conv 20@5x5, max-pool 2, conv 50@5x5, max-pool 2, ip 500, ReLU, ip 10, softmax loss --
the classifier the seed puts behind its spatial transformer) for some iterations, with
data_param.prefetch = 4 (the default), 1 and 0 (0: images are decoded inside forward).
Prints, per setting, the time per iteration and the fraction of it that forward spent
waiting for a batch (BasePrefetchingDataLayer's wait_seconds).

Layers this build lacks are handled so the data layer still competes with real compute:
without ReLU / SoftmaxWithLoss the loss gradient comes from numpy and net.backward() runs
the rest; without Convolution / Pooling / InnerProduct the whole classifier runs in numpy.

    python3 benchmarks/data_prefetch.py [--images 2000] [--iters 20] [--workdir DIR]
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'python'))
import caffe  # noqa: E402

SIZE = 60


# ---- data set ---------------------------------------------------------------------------
def glyphs(classes=10, seed=0):
    """One glyph per class: a few polylines in [-1, 1]^2."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(classes):
        strokes = []
        for _ in range(rng.randint(2, 4)):
            pts = np.cumsum(rng.uniform(-0.6, 0.6, (rng.randint(3, 6), 2)), axis=0)
            strokes.append(pts - pts.mean(axis=0))
        out.append(strokes)
    return out


_GRID = np.stack(np.mgrid[0:SIZE, 0:SIZE], axis=-1).astype(np.float64)


def draw_polyline(img, pts, width=1.2):
    """Anti-aliased thick polyline (points in pixel coordinates, row then column)."""
    for a, b in zip(pts[:-1], pts[1:]):
        ab = b - a
        t = np.clip(((_GRID - a) @ ab) / max(ab @ ab, 1e-9), 0, 1)
        d = np.linalg.norm(_GRID - (a + t[..., None] * ab), axis=-1)
        np.maximum(img, np.clip(width + 0.5 - d, 0, 1), out=img)


def make_image(glyph, rng, clutter=8):
    img = np.zeros((SIZE, SIZE))
    for _ in range(clutter):  # short fragments of strokes
        start = rng.uniform(0, SIZE, 2)
        draw_polyline(img, np.array([start, start + rng.uniform(-5, 5, 2)]), width=0.8)
    angle, scale = rng.uniform(-0.35, 0.35), rng.uniform(9, 12)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * scale
    centre = rng.uniform(16, SIZE - 16, 2)
    for stroke in glyph:
        draw_polyline(img, stroke @ rot.T + centre)
    img += rng.uniform(0, 0.1, img.shape)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def make_dataset(folder, n, seed=0):
    import skimage.io
    rng = np.random.RandomState(seed)
    shapes = glyphs()
    lines = []
    for i in range(n):
        label = i % 10
        rel = f'{label}/{i:05d}.png'
        os.makedirs(os.path.join(folder, str(label)), exist_ok=True)
        skimage.io.imsave(os.path.join(folder, rel), make_image(shapes[label], rng),
                          check_contrast=False)
        lines.append(f'{rel} {label}\n')
    rng.shuffle(lines)
    source = os.path.join(folder, 'train.txt')
    with open(source, 'w') as f:
        f.writelines(lines)
    return source


# ---- nets -------------------------------------------------------------------------------
def data_layer(source, root, batch, prefetch, tops='top: "data" top: "label"'):
    return f'''layer {{ name: "data" type: "ImageData" {tops}
  image_data_param {{ source: "{source}" root_folder: "{root}" batch_size: {batch}
                     shuffle: true is_color: false }}
  data_param {{ prefetch: {prefetch} }}
  transform_param {{ scale: 0.00390625 }} }}
'''


CLASSIFIER = [  # (layer type, text); the classifier behind the seed's spatial transformer
    ('Convolution', '''layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 20 kernel_size: 5 weight_filler { type: "xavier" } } }'''),
    ('Pooling', '''layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }'''),
    ('Convolution', '''layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
  convolution_param { num_output: 50 kernel_size: 5 weight_filler { type: "xavier" } } }'''),
    ('Pooling', '''layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }'''),
    ('InnerProduct', '''layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1"
  inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }'''),
    ('ReLU', '''layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }'''),
    ('InnerProduct', '''layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }'''),
    ('SoftmaxWithLoss', '''layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label"
  top: "loss" }'''),
]
CORE_LAYERS = {'Convolution', 'Pooling', 'InnerProduct'}


def classifier_text(available):
    """The classifier's layers this build has (ReLU / the loss may still be missing: then
    the loss gradient is computed in numpy and fed to net.backward())."""
    text = 'force_backward: true\n' if 'SoftmaxWithLoss' not in available else ''
    return text + '\n'.join(t for kind, t in CLASSIFIER if kind in available) + '\n'


def softmax_grad(scores, labels):
    z = scores - scores.max(axis=1, keepdims=True)
    prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    prob[np.arange(len(prob)), labels.astype(int)] -= 1
    return prob / len(prob)


class NumpyLeNet:
    """The same classifier's forward and backward in numpy (im2col + BLAS), used when the
    compiled layers are not in this build."""

    def __init__(self, rng):
        self.w1 = rng.randn(20, 25).astype(np.float32) * 0.2
        self.w2 = rng.randn(50, 500).astype(np.float32) * 0.05
        self.w3 = rng.randn(500, 50 * 12 * 12).astype(np.float32) * 0.01
        self.w4 = rng.randn(10, 500).astype(np.float32) * 0.05

    @staticmethod
    def im2col(x, k):
        n, c, h, w = x.shape
        s = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
        return s.transpose(0, 2, 3, 1, 4, 5).reshape(n * (h - k + 1) * (w - k + 1), c * k * k)

    @staticmethod
    def pool(x):
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    def conv(self, x, w):
        n, _, h, wd = x.shape
        cols = self.im2col(x, 5)
        out = cols @ w.T
        return cols, out.reshape(n, h - 4, wd - 4, -1).transpose(0, 3, 1, 2)

    def step(self, x, labels):
        cols1, c1 = self.conv(x, self.w1)
        p1 = self.pool(c1)
        cols2, c2 = self.conv(np.ascontiguousarray(p1), self.w2)
        p2 = self.pool(c2).reshape(len(x), -1)
        h = np.maximum(p2 @ self.w3.T, 0)
        z = h @ self.w4.T
        z -= z.max(axis=1, keepdims=True)
        prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.log(prob[np.arange(len(x)), labels.astype(int)] + 1e-12).mean()
        # backward: the matrix products dominate, as in the compiled layers
        dz = prob
        dz[np.arange(len(x)), labels.astype(int)] -= 1
        dh = (dz @ self.w4) * (h > 0)
        self.w3 -= 1e-3 * (dh.T @ p2)
        dp2 = dh @ self.w3
        dc2 = np.repeat(np.repeat(dp2.reshape(c2.shape[0], 50, 12, 12), 2, 2), 2, 3)
        dcols2 = dc2.transpose(0, 2, 3, 1).reshape(-1, 50)
        self.w2 -= 1e-3 * (dcols2.T @ cols2)
        dcols2 @ self.w2  # gradient towards conv1 (its col2im is left out)
        return loss


# ---- measuring --------------------------------------------------------------------------
def measure(net_path, iters, warmup, numpy_net, compute=True, sleep_s=None):
    net = caffe.Net(net_path, caffe.TRAIN)
    for i in range(warmup + iters):
        if i == warmup:
            start_wait = net.data_wait_seconds()['data']['wait_seconds']
            start = time.perf_counter()
        net.forward()
        if not compute:
            continue
        if sleep_s is not None:  # a device step: the host only waits for it
            time.sleep(sleep_s)
            continue
        if numpy_net is not None:
            numpy_net.step(net.blobs['data'].data, net.blobs['label'].data)
        else:
            if 'loss' not in net.blobs:
                net.blobs['ip2'].diff[...] = softmax_grad(net.blobs['ip2'].data,
                                                          net.blobs['label'].data)
            net.backward()
    total = time.perf_counter() - start
    wait = net.data_wait_seconds()['data']['wait_seconds'] - start_wait
    del net
    return total / iters, wait / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--images', type=int, default=2000)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--prefetch', type=int, nargs='+', default=[4, 1, 0],
                        help='prefetch depths to compare (0: load inside forward)')
    parser.add_argument('--workdir', help='keep the generated images here (default: a temp dir)')
    parser.add_argument('--device-step-ms', type=float, default=None,
                        help='replace the classifier by a sleep of this many ms per iteration, '
                             'as a GPU step would leave the CPU idle (shows the loader alone)')
    args = parser.parse_args()
    caffe.set_mode_cpu()
    caffe.set_random_seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or tmp
        folder = os.path.join(work, 'cluttered')
        source = os.path.join(folder, 'train.txt')
        if os.path.exists(source) and sum(1 for _ in open(source)) == args.images:
            print(f'reusing the {args.images} PNGs under {folder}')
        else:
            t0 = time.perf_counter()
            source = make_dataset(folder, args.images)
            print(f'generated {args.images} {SIZE}x{SIZE} PNGs in {time.perf_counter() - t0:.1f} s '
                  f'under {folder}')
        available = set(caffe.layer_type_list())
        sleep_s = None if args.device_step_ms is None else args.device_step_ms / 1e3
        compiled = CORE_LAYERS <= available and sleep_s is None
        numpy_net = None if compiled else NumpyLeNet(np.random.RandomState(0))
        if sleep_s is not None:
            numpy_net = None
            print(f'classifier: none; a {args.device_step_ms:g} ms sleep per iteration stands '
                  'for a device step')
        elif compiled:
            missing = sorted({kind for kind, _ in CLASSIFIER} - available)
            print('classifier: compiled caffe layers, forward + backward' +
                  (f' (not in this build: {", ".join(missing)}; loss gradient from numpy)'
                   if missing else ''))
        else:
            print('classifier: numpy stand-in after net.forward() (Convolution etc. not in '
                  'this build)')
        print(f'batch {args.batch}, {args.iters} timed iterations after {args.warmup} warm-up\n')
        print(f'{"prefetch":>8}  {"ms/iter":>8}  {"waiting for data":>16}')
        for prefetch in args.prefetch:
            text = 'name: "data_prefetch"\n' + data_layer(source, folder, args.batch, prefetch)
            if compiled:
                text += classifier_text(available)
            path = os.path.join(work, f'net_prefetch{prefetch}.prototxt')
            with open(path, 'w') as f:
                f.write(text)
            per_iter, frac = measure(path, args.iters, args.warmup, numpy_net, sleep_s=sleep_s)
            print(f'{prefetch:>8}  {per_iter * 1e3:8.1f}  {frac * 100:15.1f}%')
        # The loading cost itself: decoding + transforming one batch with nothing to hide it.
        path = os.path.join(work, 'net_data_only.prototxt')
        with open(path, 'w') as f:
            f.write('name: "data_only"\n' + data_layer(source, folder, args.batch, 0))
        per_batch, _ = measure(path, args.iters, args.warmup, None, compute=False)
        print(f'\nloading one batch of {args.batch} alone (prefetch 0, no classifier): '
              f'{per_batch * 1e3:.1f} ms; prefetching hides it while the classifier takes longer')


if __name__ == '__main__':
    main()
