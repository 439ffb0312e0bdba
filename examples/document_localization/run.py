#!/usr/bin/env python3
"""Unsupervised localisation: a spatial transformer learns where the document is in a
photograph from nothing but the document's class.

    python3 examples/document_localization/run.py

1. makes the data (skipped when already there with the same settings): synthetic
   photographs of documents (caffe.datasets.documents: letters, invoices, tables, forms and
   a few scans at a random position, angle and scale on a cluttered background), 25,000 for
   training (seed 1) and 1,000 held out (seed 2: other pages, other backgrounds), each
   shrunk whole to a 128 x 128 grey image (letterboxed: the 4:3 photograph centred on
   black) and written to an LMDB with its class as the label
   (data/document_localization/{train,test}_lmdb; {train,test}_boxes.csv hold where each
   document lies in the 128 x 128 image -- for the evaluation only, never for training);
2. trains with `caffe train`, behind a progress bar, the nets of this folder: cnn (a small
   classifier on the whole 128 x 128 photograph; 6,000 iterations), cnn64 (the same
   classifier on the photograph shrunk to 64 x 64; 26,000) and st_cnn (a localisation net
   -> an affine SpatialTransformer sampling a 64 x 64 window of the 128 x 128 photograph,
   starting on its middle 60% -> the same classifier; 26,000, after a warm-up at a tenth
   of the learning rate);
3. tests each on the held-out photographs and prints a table (test accuracy, training
   time, iterations) and, for st_cnn, where the documents lie in its input and in the
   transformer's output (centre spread, size, angle), and its accuracy when every
   photograph is read through the mean window (all of theta, its shift or its 2x2 part
   set to the mean over the held-out set);
4. writes output/figure.png: held-out photographs with the transformer's sampling window
   drawn on them beside the transformer's output, the mean of all held-out inputs beside
   the mean of their transformer outputs, and the training curves of every net.

Output in examples/document_localization/output/ (per net: the run's net, solver, log and
weights; results.json, results.md). Everything runs on the CPU (--threads, else
OMP_NUM_THREADS, else every core). Smaller runs: --train, --test, --iters, --nets.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'cluttered_mnist'))
os.environ['CAFFE_EXAMPLE_SCRIPT'] = '1'   # stn_common: quiet pycaffe
import stn_common as common  # noqa: E402

from caffe.datasets import annotations, documents, made_sets  # noqa: E402

ROOT = common.ROOT
NETS = ('st_cnn', 'cnn64', 'cnn')
DEFAULT_DATA = 'data/document_localization/'     # the data folder the committed nets name
# The photographs: smaller than the generator's default (a long side of 256-320 pixels;
# they are shrunk to 128 anyway), documents turned by up to +-30 degrees and filling
# 30-80% of the photograph's extent (the generator's default is 45-90%).
PHOTO = dict(size=(256, 320), max_angle=30.0, fill=(0.3, 0.8))
# Training iterations at batch 32 (25,000 photographs are 781 iterations): the two nets
# whose classifier reads 64x64 get the same 26,000 (33 epochs); the 128x128 CNN, whose
# iterations cost three times as much, 6,000.
ITERS = {'cnn': 6000, 'cnn64': 26000, 'st_cnn': 26000}
N_TRAIN = 25000
TEST_BATCH = 100


# ---- data -------------------------------------------------------------------------------

def letterbox(photo, size):
    """The PIL photograph in grey, shrunk so that its longer side is `size` and centred on
    a black size x size square: (uint8 array size x size, (kx, ky, ox, oy)) where a point
    (x, y) of the photograph, in continuous coordinates, lands at (kx x + ox, ky y + oy)."""
    from PIL import Image
    grey = photo.convert('L')
    k = size / max(grey.size)
    w, h = max(1, round(grey.width * k)), max(1, round(grey.height * k))
    small = grey.resize((w, h), Image.Resampling.BILINEAR)
    canvas = Image.new('L', (size, size), 0)
    ox, oy = (size - w) // 2, (size - h) // 2
    canvas.paste(small, (ox, oy))
    return np.asarray(canvas), (w / grey.width, h / grey.height, ox, oy)


def box_in_input(box, kx, ky, ox, oy):
    """An annotations.Annotation of the photograph mapped into the letterboxed image (the
    scale is nearly the same along x and y: their mean scales the size)."""
    k = (kx + ky) / 2
    return box._replace(cx=box.cx * kx + ox, cy=box.cy * ky + oy, width=box.width * k,
                        height=box.height * k)


def make_split(data, split, n, seed, size, photo, workers=None, quiet=False):
    """data/<split>/ (the generator's photographs, annotations.csv, classes.txt),
    data/<split>_lmdb (the letterboxed grey images, label = class index, keys in the
    photographs' order) and data/<split>_boxes.csv (each document's box in the letterboxed
    image, in the LMDB's order), unless already there with the same settings. Returns the
    seconds spent (0 when skipped)."""
    import caffe.io
    from PIL import Image
    photos = os.path.join(data, split)
    lmdb = os.path.join(data, f'{split}_lmdb')
    boxes_csv = os.path.join(data, f'{split}_boxes.csv')
    stamp = dict(n=n, seed=seed, size=size, photo={k: list(v) if isinstance(v, tuple) else v
                                                   for k, v in photo.items()})
    record = f'{split}_made_with.json'
    if made_sets.holds(data, stamp, needed=(f'{split}_lmdb', f'{split}_boxes.csv'), name=record):
        return 0.0
    start = time.time()
    made_sets.start(data, record)
    for path in (lmdb, boxes_csv, photos):
        made_sets.remove(path)
    rows = documents.generate(photos, n, seed=seed, workers=workers, quiet=quiet, **photo)
    classes = annotations.read_classes(os.path.join(photos, 'classes.txt'))
    boxes = []
    with caffe.io.DBWriter(lmdb) as db:
        for i, row in enumerate(rows):
            with Image.open(os.path.join(photos, row.image)) as im:
                grey, place = letterbox(im, size)
            db.put(b'%08d' % i, caffe.io.array_to_datum(grey[None], classes.index(row.cls)))
            boxes.append(box_in_input(row, *place))
    annotations.write_csv(boxes_csv, boxes)
    made_sets.finish(data, stamp, record)
    return time.time() - start


def make_data(data, n_train, n_test, size=128, seed=1, photo=PHOTO, workers=None,
              quiet=False):
    """The held-out split (seed + 1) and the training split (seed). Returns {step: s}."""
    times = {}
    for split, n, s in (('test', n_test, seed + 1), ('train', n_train, seed)):
        seconds = make_split(data, split, n, s, size, photo, workers, quiet)
        if seconds:
            times[f'{split} data'] = seconds
    return times


def read_boxes(data, split):
    """The documents' boxes in the letterboxed images and their labels, in LMDB order."""
    rows = annotations.read_csv(os.path.join(data, f'{split}_boxes.csv'))
    classes = annotations.read_classes(os.path.join(data, split, 'classes.txt'))
    return rows, np.array([classes.index(r.cls) for r in rows]), classes


# ---- training and testing ---------------------------------------------------------------

ST_OUTPUT = 64          # the side of st_cnn's transformer output (st_cnn.prototxt)


def write_run(net, data, out, iters, n_test, batch, net_seed=None, st_output=ST_OUTPUT):
    """out/<net>.prototxt and out/<net>_solver.prototxt: the committed files with this
    run's data folder, batch sizes, iterations (the learning rate drops at 2/3 and 8/9;
    9 tests on the whole test set during training), unless net_seed is None, that
    random_seed (the weights' initialisation and dropout), and for st_cnn a transformer
    output of st_output x st_output (the classifier's input). Returns the solver's path."""
    test_batch = min(TEST_BATCH, n_test)
    replace = None
    if net == 'st_cnn' and st_output != ST_OUTPUT:
        replace = {f'output_H: {ST_OUTPUT} output_W: {ST_OUTPUT}':
                   f'output_H: {st_output} output_W: {st_output}'}
    solver_path, _ = common.write_run_files(
        net, data, out, example_dir=HERE, default_data=DEFAULT_DATA, replace=replace,
        max_iter=iters,
        stepvalue=[max(iters * 2 // 3, 1), max(iters * 8 // 9, 1)],
        test_interval=max(iters // 9, 1), test_iter=-(-n_test // test_batch),
        display=max(1, min(50, iters // 20)), random_seed=net_seed)
    path = os.path.join(out, f'{net}.prototxt')
    text = open(path).read()
    text = text.replace('batch_size: 32', f'batch_size: {batch}')
    text = text.replace(f'batch_size: {TEST_BATCH}', f'batch_size: {test_batch}')
    with open(path, 'w') as f:
        f.write(text)
    return solver_path


# For an ST net, evaluate() also reads every held-out photograph again with parts of its
# theta replaced by their mean over the held-out set: all six numbers (one fixed window
# for every photograph), the shift only, the 2x2 part only (zoom, turn, shear).
MEAN_PARTS = {'all': [0, 1, 2, 3, 4, 5], 'shift': [2, 5], '2x2': [0, 1, 3, 4]}


def evaluate(net_path, weights, n_test, keep=16):
    """Runs the TEST net over the n_test held-out images (read in the LMDB's order):
    {accuracy, pred (n_test), theta (n_test x 6, for an ST net), mean_input, mean_output
    (the mean image of the inputs and of the transformer outputs), the first `keep`
    inputs, outputs, labels and predictions; for an ST net, accuracy_mean_theta: for each
    part of MEAN_PARTS the accuracy of the same weights with that part of every theta set
    to its mean (the classifier reading through a window that does not follow)}."""
    import caffe
    cwd = os.getcwd()
    os.chdir(ROOT)       # the data layer's path is relative to the repository root
    try:
        net = caffe.Net(common.rel(net_path), common.rel(weights), caffe.TEST)
        batch = net.blobs['data'].num
        preds, labels, thetas = [], [], []
        sums = {}
        kept = {}
        inputs = []                 # for an ST net: each batch's input, to read it again
        seen = 0
        while seen < n_test:
            net.forward()
            take = min(batch, n_test - seen)
            if 'theta' in net.blobs:
                inputs.append(net.blobs['data'].data.copy())
            preds.append(net.blobs['ip2'].data[:take].argmax(axis=1))
            labels.append(net.blobs['label'].data[:take].astype(int))
            for name in ('data', 'st_out'):
                if name in net.blobs:
                    sums[name] = sums.get(name, 0) + net.blobs[name].data[:take, 0].sum(axis=0)
            if 'theta' in net.blobs:
                thetas.append(net.blobs['theta'].data[:take].copy())
            if len(kept.get('data', ())) < keep:
                for name in ('data', 'st_out', 'theta'):
                    if name in net.blobs:
                        part = net.blobs[name].data[:take].copy()
                        both = part if name not in kept else np.concatenate([kept[name], part])
                        kept[name] = both[:keep]
            seen += take
        pred, label = np.concatenate(preds), np.concatenate(labels)
        result = dict(accuracy=float(np.mean(pred == label)), pred=pred, label=label,
                      mean_input=sums['data'] / n_test, kept=kept)
        if thetas:
            theta = result['theta'] = np.concatenate(thetas)
            result['mean_output'] = sums['st_out'] / n_test
            result['accuracy_mean_theta'], result['pred_mean_theta'] = {}, {}
            for part, columns in MEAN_PARTS.items():
                replaced = []
                mean = theta[:, columns].mean(axis=0)
                for k, data in enumerate(inputs):
                    rows = theta[k * batch:(k + 1) * batch].copy()
                    rows[:, columns] = mean
                    net.blobs['theta'].data[:len(rows)] = rows
                    net.blobs['data'].data[...] = data
                    net.forward(start='st')          # the transformer and the classifier
                    replaced.append(net.blobs['ip2'].data[:len(rows)].argmax(axis=1))
                pred_part = result['pred_mean_theta'][part] = np.concatenate(replaced)
                result['accuracy_mean_theta'][part] = float(np.mean(pred_part == label))
        del net
    finally:
        os.chdir(cwd)
    return result


def run_net(net, args, n_train):
    iters = args.iters or ITERS[net]
    solver_path = write_run(net, args.data, args.out, iters, args.test, args.batch,
                            args.net_seed, args.st_output)
    log_path = os.path.join(args.out, f'{net}.log')
    print(f'training {net} for {iters} iterations (log {common.rel(log_path)})')
    load = os.getloadavg()[0]
    seconds = common.train_net(net, args.out, solver_path, iters, log_path, label=net,
                               threads=args.threads, quiet=args.quiet, example_dir=HERE)
    weights = os.path.join(args.out, f'{net}_iter_{iters}.caffemodel')
    result = evaluate(os.path.join(args.out, f'{net}.prototxt'), weights, args.test)
    classifier_input = result['kept']['st_out' if 'st_out' in result['kept'] else 'data']
    step = {'cnn64': 2}.get(net, 1)                   # its 2x2 average pooling
    classifier_input = classifier_input[..., ::step, ::step]
    print(f'{net}: test accuracy {100 * result["accuracy"]:.2f}% on {args.test} held-out '
          f'photographs, {iters} iterations, {seconds / 60:.1f} min')
    row = dict(net=net, accuracy=result['accuracy'], seconds=seconds, iterations=iters,
               batch=args.batch, threads=args.threads or common.default_threads(),
               train=n_train, test=args.test, size=args.size,
               classifier_input=int(classifier_input.shape[-1]),
               per_class={int(c): float(np.mean(result['pred'][result['label'] == c] == c))
                          for c in np.unique(result['label'])},
               load=[load, os.getloadavg()[0]])
    return row, result


def describe(row):
    """What the classifier of a net reads, for the table."""
    s, h = row['size'], row['classifier_input']
    return {'cnn': f'the whole photograph, {s}x{s}', 'cnn64': f'the whole photograph, {h}x{h}',
            'st_cnn': f'a {h}x{h} window of the {s}x{s} photograph'}.get(row['net'], '')


def table(rows):
    columns = [('net', 'l'), ('input of the classifier', 'l'), ('test accuracy', 'r'),
               ('test error', 'r'), ('training time', 'r'), ('iterations', 'r'),
               ('ms / iteration', 'r')]
    return common.markdown_table(columns, [
        [r['net'], describe(r), f'{100 * r["accuracy"]:.2f}%', f'{100 * (1 - r["accuracy"]):.2f}%',
         f'{r["seconds"] / 60:.1f} min', str(r['iterations']),
         f'{1000 * r["seconds"] / r["iterations"]:.0f}'] for r in rows])


# ---- where the documents lie ------------------------------------------------------------

def to_output(theta, points, H, W, H_out, W_out):
    """Points (K x 2: x, y in continuous pixel coordinates of the H x W input) mapped into
    the transformer's H_out x W_out output (same kind of coordinates) by inverting theta
    (docs/compatibility.md: x is the row axis; input pixel m sits at 2m/H - 1, output pixel
    s at 2s/H_out - 1; a pixel's centre is at m + 1/2 in continuous coordinates)."""
    t = np.asarray(theta, np.float64).reshape(2, 3)
    rows = 2 * (points[:, 1] - 0.5) / H - 1
    cols = 2 * (points[:, 0] - 0.5) / W - 1
    # pinv: a theta that has collapsed to a line still gives finite numbers
    target = np.linalg.pinv(t[:, :2]) @ (np.vstack([rows, cols]) - t[:, 2:])
    return np.stack([(target[1] + 1) * W_out / 2 + 0.5, (target[0] + 1) * H_out / 2 + 0.5],
                    axis=1)


def placement(corners, side):
    """Centre (x, y), size (the square root of the area) and angle (of the top edge,
    degrees, counter-clockwise) of quadrilaterals N x 4 x 2, the centre and size as
    fractions of `side`."""
    c = corners.mean(axis=1) / side
    x, y = corners[..., 0], corners[..., 1]
    area = 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))
    top = corners[:, 1] - corners[:, 0]
    angle = np.degrees(np.arctan2(-top[:, 1], top[:, 0]))
    return c, np.sqrt(area) / side, angle


def spread(c, size, angle):
    """The summary of placement(): the RMS distance of the centres from their mean, the
    mean and standard deviation of the size, the standard deviation of the angle."""
    return dict(centre_rms=float(np.sqrt(np.mean(np.sum((c - c.mean(axis=0)) ** 2, axis=1)))),
                size_mean=float(size.mean()), size_std=float(size.std()),
                angle_std=float(angle.std()))


def localisation(boxes, theta, size, out_size):
    """Where the held-out documents lie in the input and in the transformer's output:
    {'input': spread, 'output': spread, 'fixed': the spread in the output had every
    photograph been sampled with the mean theta (a window that does not look for the
    document), 'follow': how far the window's centre follows the document's (the slope of
    the one on the other across photographs, the mean of rows and columns: 0 for a window
    that stays put, 1 for one that moves with the document), 'inside': share of documents
    whose centre falls inside the output window}."""
    theta = np.asarray(theta, np.float64).reshape(-1, 6)
    corners = np.stack([b.corners() for b in boxes])

    def mapped(thetas):
        return np.stack([to_output(t, k, size, size, out_size, out_size)
                         for t, k in zip(thetas, corners)])
    c_in, s_in, a_in = placement(corners, size)
    c_out, s_out, a_out = placement(mapped(theta), out_size)
    fixed = placement(mapped(np.tile(theta.mean(axis=0), (len(theta), 1))), out_size)
    inside = np.all((c_out >= 0) & (c_out <= 1), axis=1)
    # The window's centre (output centre, 0 in the grid's coordinates) in the input, as a
    # share of the side: rows are theta's first line, columns its second.
    window = np.stack([(theta[:, 5] + 1) / 2, (theta[:, 2] + 1) / 2], axis=1)
    slopes = [np.cov(window[:, k], c_in[:, k])[0, 1] / np.var(c_in[:, k], ddof=1)
              for k in range(2)]
    return dict(input=spread(c_in, s_in, a_in), output=spread(c_out, s_out, a_out),
                fixed=spread(*fixed), follow=float(np.mean(slopes)),
                inside=float(inside.mean()))


def localisation_table(loc, size, out_size):
    columns = [('where the documents lie', 'l'), ('centre spread (RMS)', 'r'),
               ('size (mean +- sd)', 'r'), ('angle sd', 'r')]
    names = (('input', f'in the {size}x{size} input'),
             ('fixed', f"in a {out_size}x{out_size} output sampled with the mean theta"),
             ('output', f"in the transformer's {out_size}x{out_size} output"))
    lines = [common.markdown_table(columns, [
        [name, f'{100 * loc[key]["centre_rms"]:.1f}% of the side',
         f'{100 * loc[key]["size_mean"]:.1f}% +- {100 * loc[key]["size_std"]:.1f}%',
         f'{loc[key]["angle_std"]:.1f} deg'] for key, name in names if key in loc])]
    lines.append(f'\nthe document\'s centre lies inside the transformer\'s window in '
                 f'{100 * loc["inside"]:.1f}% of the held-out photographs')
    if 'follow' in loc:
        lines.append(f'the window\'s centre follows {100 * loc["follow"]:.0f}% of the '
                     f'document centre\'s offset (0% for a window that stays put)')
    if 'accuracy_mean_theta' in loc:
        acc = loc['accuracy_mean_theta']
        lines.append(f'test accuracy of the same weights with every theta replaced by the mean '
                     f'theta (one window for all): {100 * acc["all"]:.2f}%; with only the shift '
                     f'replaced: {100 * acc["shift"]:.2f}%; only the 2x2 part: '
                     f'{100 * acc["2x2"]:.2f}%')
    return '\n'.join(lines)


# ---- figure -----------------------------------------------------------------------------

def figure(path, result, boxes, classes, curves, title=''):
    """The ST net's first 16 held-out photographs with the sampling window (red) and the
    document's annotated outline (green, dotted: for the eye only) drawn on them, each
    beside the transformer's output; the mean input and mean output; training curves."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    kept = result['kept']
    data, st_out, theta = kept['data'], kept['st_out'], kept['theta']
    n = min(16, len(data))
    H, W = data.shape[2:]
    H_out, W_out = st_out.shape[2:]
    cols = 8
    rows = -(-n // (cols // 2))
    fig = plt.figure(figsize=(13, 1.65 * rows + 5))
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[1] * rows + [2.6])
    for i in range(n):
        r, c = divmod(i, cols // 2)
        ax = fig.add_subplot(grid[r, 2 * c])
        ax.imshow(data[i, 0], cmap='gray', vmin=0, vmax=1)
        true = boxes[i].corners() - 0.5        # continuous -> pixel-index coordinates
        ax.plot(*np.vstack([true, true[:1]]).T, color='#30d030', linewidth=0.8, linestyle=':')
        gx, gy = common.grid_outline(theta[i], H, W, H_out, W_out)
        ax.plot(gx, gy, color='#ff3030', linewidth=1.2)
        ax.set_xlim(-0.5, W - 0.5)
        ax.set_ylim(H - 0.5, -0.5)
        ax.set_title(classes[result['label'][i]], fontsize=8)
        ax.axis('off')
        ax = fig.add_subplot(grid[r, 2 * c + 1])
        ax.imshow(st_out[i, 0], cmap='gray', vmin=0, vmax=1)
        pred = int(result['pred'][i])
        ax.set_title(f'read: {classes[pred]}', fontsize=8,
                     color='black' if pred == result['label'][i] else '#d00000')
        ax.axis('off')
    bottom = grid[rows, :].subgridspec(1, 4, wspace=0.3, width_ratios=[1, 1, 2, 2])
    ax = fig.add_subplot(bottom[0])
    ax.imshow(result['mean_input'], cmap='gray', vmin=0, vmax=1)
    ax.set_title('mean of the held-out inputs', fontsize=8)
    ax.axis('off')
    ax = fig.add_subplot(bottom[1])
    ax.imshow(result['mean_output'], cmap='gray', vmin=0, vmax=1)
    ax.set_title("mean of the transformer's outputs", fontsize=8)
    ax.axis('off')
    ax_loss, ax_err = fig.add_subplot(bottom[2]), fig.add_subplot(bottom[3])
    common.plot_curves(ax_loss, ax_err, curves)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.98, top=0.92, bottom=0.06, wspace=0.08, hspace=0.3)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


# ---- main -------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--nets', nargs='+', choices=NETS, default=list(NETS))
    parser.add_argument('--train', type=common.positive, default=N_TRAIN, help='training photographs')
    parser.add_argument('--test', type=common.positive, default=1000, help='held-out photographs')
    parser.add_argument('--size', type=common.positive, default=128, help='side of the net input, pixels')
    parser.add_argument('--photo-size', type=common.positive, nargs=2, default=PHOTO['size'],
                        metavar=('MIN', 'MAX'), help="the photographs' longer side, pixels")
    parser.add_argument('--max-angle', type=float, default=PHOTO['max_angle'],
                        help='documents turn by up to +-this many degrees')
    parser.add_argument('--iters', type=common.positive, help='training iterations of every net (default: '
                        + ', '.join(f'{k} {v}' for k, v in ITERS.items()) + ')')
    parser.add_argument('--batch', type=common.positive, default=32, help='training batch size')
    parser.add_argument('--seed', type=int, default=1, help='seed of the training data '
                        '(the held-out data use seed + 1)')
    parser.add_argument('--net-seed', type=int, help="the solvers' random_seed: the initial "
                        "weights and dropout (default: the committed solvers')")
    parser.add_argument('--st-output', type=common.positive, default=ST_OUTPUT,
                        help="side of st_cnn's transformer output, the classifier's input "
                             f'(default {ST_OUTPUT})')
    parser.add_argument('--threads', type=common.positive, help='OMP_NUM_THREADS for training')
    parser.add_argument('--workers', type=common.positive, help='processes making the data')
    parser.add_argument('--data', default=os.path.join(ROOT, DEFAULT_DATA))
    parser.add_argument('--out', default=os.path.join(HERE, 'output'))
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    args = parser.parse_args(argv)
    start = time.time()
    photo = dict(PHOTO, size=tuple(args.photo_size), max_angle=args.max_angle)
    for step, seconds in make_data(args.data, args.train, args.test, args.size, args.seed,
                                   photo, args.workers, args.quiet).items():
        print(f'{step}: {seconds:.0f} s')
    boxes, labels, classes = read_boxes(args.data, 'test')

    os.makedirs(args.out, exist_ok=True)
    rows, st_result = [], None
    for net in NETS:
        if net not in args.nets:
            continue
        row, result = run_net(net, args, args.train)
        assert np.array_equal(result['label'], labels[:args.test])   # the LMDB's order
        if net == 'st_cnn':
            st_result = result
            row['localisation'] = localisation(boxes[:args.test], result['theta'], args.size,
                                               result['kept']['st_out'].shape[-1])
            row['localisation']['accuracy_mean_theta'] = result['accuracy_mean_theta']
        rows.append(row)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=1)
    text = table(rows)
    if st_result is not None:
        st_row = next(r for r in rows if r['net'] == 'st_cnn')
        text += '\n\n' + localisation_table(st_row['localisation'], args.size,
                                              st_row['classifier_input'])
    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        f.write(text + '\n')
    print(text)
    if st_result is not None:
        curves = {net: common.parse_log.parse_log(os.path.join(args.out, f'{net}.log'))
                  for net in NETS if net in args.nets}
        acc = ', '.join(f'{r["net"]} {100 * r["accuracy"]:.1f}%' for r in rows)
        path = figure(os.path.join(args.out, 'figure.png'), st_result, boxes, classes, curves,
                      title=f'st_cnn on held-out photographs: its sampling window (red; green '
                            f'dotted: the document, never shown to the net) and what the\n'
                            f'transformer passes to the classifier; test accuracy {acc}')
        print(f'figure: {common.rel(path)}')
    print(f'total {(time.time() - start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    sys.exit(main())
