"""What the document examples share (document_orientation/run.py, rotation/run.py): their
options, making the data (synthetic photographs, then crops), writing one run's net and
solver (the committed ones reading the run's data folder), training with `caffe train`
behind a progress bar, predicting on the held-out crops, the error table, results.json and
the figure (photographs with the predicted frame drawn on them)."""
import argparse
import collections
import importlib.util
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'python'))
if os.environ.get('CAFFE_EXAMPLE_SCRIPT'):     # the scripts: pycaffe logs warnings only
    os.environ.setdefault('GLOG_minloglevel', '1')

from caffe.datasets import annotations, crops, documents, made_sets  # noqa: E402

DATA = os.path.join(ROOT, 'data', 'documents')      # what the committed nets read
NET_DATA = 'data/documents/'        # how they name it: relative to the repository root
STAMP = 'made_with.json'            # how each folder of photographs or crops was made
# Share of the synthetic pages drawn landscape (documents' landscape_fraction), in training
# and held-out photographs alike; None: the generator's own mix (only tables, one in three),
# the data of the README's committed results (--landscape 0.25: README, "More landscape
# pages").
LANDSCAPE = None


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# training with a progress bar and the log parser: the cluttered-MNIST example's
stn_common = _load(os.path.join(ROOT, 'examples', 'cluttered_mnist', 'stn_common.py'),
                   'stn_common')
parse_log = stn_common.parse_log
rel = stn_common.rel
positive = stn_common.positive


def add_arguments(parser, out):
    """The options both scripts take; out: the default --out."""
    parser.add_argument('--train-docs', type=positive, default=2000)
    parser.add_argument('--test-docs', type=positive, default=200)
    parser.add_argument('--samples', type=positive, default=25, help='crops per training document')
    parser.add_argument('--landscape', type=float, default=LANDSCAPE,
                        help='share of landscape pages among the synthetic documents '
                             "(default: the generator's own mix)")
    parser.add_argument('--iters', type=positive,
                        help="training iterations (default: the solver's)")
    parser.add_argument('--threads', type=positive, help='OMP_NUM_THREADS for training')
    parser.add_argument('--workers', type=positive, help='processes making the data')
    parser.add_argument('--data', default=DATA,
                        help='where the photographs and crops are made or found (default: '
                             f'{rel(DATA)}, what the committed nets read)')
    parser.add_argument('--out', default=out)
    parser.add_argument('--quiet', action='store_true', help='no progress bars')


def parse_args(parser, argv=None):
    """parser.parse_args with --data and --out made absolute (the scripts' paths are given
    from where they run; `caffe train` runs from the repository root)."""
    args = parser.parse_args(argv)
    args.data, args.out = os.path.abspath(args.data), os.path.abspath(args.out)
    if os.path.exists(args.data) and not os.path.isdir(args.data):
        parser.error(f'--data {args.data} is not a folder')
    return args


def make_data(train_docs=2000, test_docs=200, samples=25, test_samples=5, size=64, seed=1,
              workers=None, quiet=False, data=DATA, landscape=LANDSCAPE):
    """Photographs (data/train, data/test: different seeds, so the test documents are
    held out; `landscape`: the share of landscape pages) and their crops (data/train_crops,
    data/test_crops) unless already there with the same settings. Returns the seconds
    spent per step."""
    times = {}
    for split, n, k, s in (('test', test_docs, test_samples, seed + 1),
                           ('train', train_docs, samples, seed)):
        photos, out = os.path.join(data, split), os.path.join(data, f'{split}_crops')
        stamp = dict(docs=n, seed=s)
        if landscape is not None:     # absent for the generator's own mix
            stamp['landscape'] = landscape
        if not made_sets.holds(photos, stamp, needed=('annotations.csv',), name=STAMP):
            start = time.time()
            made_sets.start(photos, STAMP)
            if os.path.exists(os.path.join(photos, 'annotations.csv')):
                os.remove(os.path.join(photos, 'annotations.csv'))
            documents.generate(photos, n, seed=s, workers=workers, quiet=quiet,
                               landscape_fraction=landscape)
            made_sets.finish(photos, stamp, STAMP)
            times[f'{split} photographs'] = time.time() - start
        stamp = dict(stamp, samples=k, size=size)
        if not made_sets.holds(out, stamp, needed=('labels.h5', 'info.json'), name=STAMP):
            start = time.time()
            made_sets.remove(out)
            crops.write(os.path.join(photos, 'annotations.csv'), out, seed=s + 10, workers=workers,
                        quiet=quiet, size=size, samples=k)
            made_sets.finish(out, stamp, STAMP)
            times[f'{split} crops'] = time.time() - start
    return times


def solver_fields(iters=None):
    """The solver fields of a run of `iters` iterations (None: the committed solver's): the
    learning rate drops at 2/3 and 11/12; a test and a snapshot each 1/6."""
    if not iters:
        return {}
    return dict(max_iter=iters, snapshot=max(iters // 6, 1), test_interval=max(iters // 6, 1),
                stepvalue=[iters * 2 // 3, iters * 11 // 12])


def write_net(model, run_dir, data=DATA):
    """run_dir/train_test.prototxt: models/<model>/train_test.prototxt with the data
    folder it names (data/documents) replaced by `data`. Returns its path."""
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    template = os.path.join(ROOT, 'models', model, 'train_test.prototxt')
    net = caffe_pb2.NetParameter()
    with open(template) as f:
        text_format.Merge(f.read(), net)
    folder = rel(os.path.abspath(data)) + '/'
    replaced = 0
    for layer in net.layer:
        for param in (layer.data_param, layer.hdf5_data_param):
            if param.source.startswith(NET_DATA):
                param.source = folder + param.source[len(NET_DATA):]
                replaced += 1
    if not replaced:
        raise ValueError(f'{rel(template)} reads nothing from {NET_DATA}: no data to replace')
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, 'train_test.prototxt')
    with open(path, 'w') as f:
        f.write(f'# {rel(template)} reading {folder} (written by doc_common.write_net)\n')
        f.write(text_format.MessageToString(net))
    return path


def write_solver(model, run_dir, data=DATA, **fields):
    """run_dir/solver.prototxt: models/<model>/solver.prototxt training the run's net
    (write_net: the committed one reading `data`), with the snapshot prefix in run_dir and
    `fields` overriding its own. Returns its path and the solver."""
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    os.makedirs(run_dir, exist_ok=True)
    solver = caffe_pb2.SolverParameter()
    with open(os.path.join(ROOT, 'models', model, 'solver.prototxt')) as f:
        text_format.Merge(f.read(), solver)
    solver.net = rel(write_net(model, run_dir, data))
    solver.snapshot_prefix = rel(os.path.join(run_dir, model))
    for key, value in fields.items():
        if key in ('test_iter', 'stepvalue'):
            del getattr(solver, key)[:]
            getattr(solver, key).extend(value)
        else:
            setattr(solver, key, value)
    path = os.path.join(run_dir, 'solver.prototxt')
    with open(path, 'w') as f:
        f.write(text_format.MessageToString(solver))
    return path, solver


def train(solver_path, max_iter, log_path, label, threads=None, quiet=False):
    """`caffe train` from the repository root with a progress bar; wall seconds."""
    return stn_common.train(solver_path, max_iter, log_path, label=label, threads=threads,
                            quiet=quiet)


Run = collections.namedtuple('Run', 'solver seconds weights')


def train_run(model, args):
    """Writes the run's net and solver into args.out (the committed ones, reading args.data,
    args.iters iterations) and trains it: Run(the solver, wall seconds, the last weights)."""
    solver_path, solver = write_solver(model, args.out, args.data, **solver_fields(args.iters))
    log_path = os.path.join(args.out, 'train.log')
    print(f'training {model} for {solver.max_iter} iterations (log: {rel(log_path)})')
    seconds = train(solver_path, solver.max_iter, log_path, model, threads=args.threads,
                    quiet=args.quiet)
    return Run(solver, seconds,
               os.path.join(args.out, f'{model}_iter_{solver.max_iter}.caffemodel'))


def evaluate(model, args, run, output, angles, thetas, note=''):
    """The run's deploy net on the held-out crops of args.data: the `output` blob, its
    angles (angles(outputs): degrees) against the true ones, and the figure with the frames
    of thetas(outputs) (2x3 each) drawn in (args.out/figure.png, its title ending in note).
    Returns (the summary of the errors, the figure's path)."""
    images, labels = test_crops(args.data)
    outs, straight = predict(model, run.weights, images, output)
    err, summary = errors(angles(outs), labels['angle'])
    summary['groups'] = groups(err, labels, args.data)
    size = images.shape[-1]
    frames = [annotations.theta_corners(t, size, (size, size)) for t in thetas(outs)]
    title = (f'{model}: median orientation error {summary["median"]:.2f} deg on '
             f'{summary["n"]} held-out crops, {run.solver.max_iter} iterations '
             f'({run.seconds / 60:.1f} min){note}')
    fig = figure(os.path.join(args.out, 'figure.png'), labels, images, straight, frames, title,
                 data=args.data)
    return summary, fig


def results(model, args, run, summary, transform, **extra):
    """What results.json holds for a run."""
    return dict(model=model, summary=summary, train_minutes=run.seconds / 60,
                iterations=run.solver.max_iter, threads=args.threads, **extra,
                transform=transform)


def report(args, result, rows, fig, start, within5=False):
    """Writes args.out/results.json and prints the table (rows: its rows), the median error
    (with the share within 5 degrees if within5) and where the figure is."""
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(TABLE_HEAD)
    for row in rows:
        print(row)
    s = result['summary']
    share = f' ({100 * s["within5"]:.1f}% within 5 degrees)' if within5 else ''
    print(f'median orientation error: {s["median"]:.2f} degrees{share}')
    if s.get('groups'):
        print('median error by page shape and class (degrees, crops): ' + ', '.join(
            f'{name} {g["median"]:.2f} ({g["n"]})' for name, g in s['groups'].items()))
    print(f'figure: {rel(fig)}; total {(time.time() - start) / 60:.1f} min')


def run_row(result, what):
    """The table row of a run's results (results.json's dict); what: the transform."""
    return table_row(f'{result["model"]} ({what})', result['summary'], result['train_minutes'],
                     result['iterations'])


def test_crops(data=DATA):
    """The held-out crops: images (N, 3, S, S) float in [-1, 1) as the nets see them,
    and labels.h5's arrays."""
    import h5py
    import caffe.io
    from caffe.proto import caffe_pb2
    folder = os.path.join(data, 'test_crops')
    images = [caffe.io.datum_to_array(caffe_pb2.Datum.FromString(v))
              for _, v in caffe.io.read_db(os.path.join(folder, 'crops_lmdb'))]
    with h5py.File(os.path.join(folder, 'labels.h5'), 'r') as f:
        labels = {k: f[k][...] for k in f}
    return (np.stack(images).astype(np.float32) - 128) / 128, labels


def predict(model, weights, images, output, batch=50):
    """Runs models/<model>/deploy.prototxt over the images; returns (the `output` blob
    for each image, the straightened crops)."""
    import caffe
    net = caffe.Net(os.path.join(ROOT, 'models', model, 'deploy.prototxt'), weights, caffe.TEST)
    net.blobs['data'].reshape(batch, *images.shape[1:])
    net.reshape()
    outs, straight = [], []
    for i in range(0, len(images), batch):
        chunk = images[i:i + batch]
        net.blobs['data'].data[:len(chunk)] = chunk
        net.forward()
        outs.append(net.blobs[output].data[:len(chunk)].copy())
        straight.append(net.blobs['straight'].data[:len(chunk)].copy())
    return np.concatenate(outs), np.concatenate(straight)


def groups(err, labels, data=DATA):
    """The median error and the count of crops per page shape (portrait: taller than wide;
    landscape) and per class, from the held-out annotations the crops were cut from."""
    rows = annotations.read_csv(os.path.join(data, 'test', 'annotations.csv'))
    picked = [rows[int(a)] for a in labels['annotation']]
    keys = [('landscape' if a.width > a.height else 'portrait', a.cls) for a in picked]
    out = {}
    for what in (0, 1):
        for name in sorted({k[what] for k in keys}):
            mine = np.array([k[what] == name for k in keys])
            out[name] = dict(median=float(np.median(err[mine])), n=int(mine.sum()))
    return out


def errors(pred_angles, true_angles):
    """Angle errors (degrees) and the table's summary of them."""
    err = annotations.angle_difference(pred_angles, true_angles)
    return err, dict(median=float(np.median(err)), mean=float(np.mean(err)),
                     p90=float(np.percentile(err, 90)),
                     within5=float(np.mean(err < 5)), within10=float(np.mean(err < 10)),
                     flipped=float(np.mean(err > 90)), n=int(len(err)))


def table_row(name, summary, minutes, iterations):
    s = summary
    return (f'| {name} | {s["median"]:.2f} | {s["mean"]:.2f} | {s["p90"]:.2f} | '
            f'{100 * s["within5"]:.1f}% | {100 * s["flipped"]:.1f}% | {minutes:.1f} | {iterations} |')


TABLE_HEAD = ('| net | median error (deg) | mean (deg) | 90th percentile (deg) | within 5 deg | '
              'turned > 90 deg | training (min) | iterations |\n'
              '|---|---:|---:|---:|---:|---:|---:|---:|')


def figure(path, labels, images, straight, frames, title, data=DATA, n=12):
    """The first n held-out crops' photographs with the true frame (green, its top edge
    dotted) and the predicted frame (red, its top edge thick) drawn on them, each beside
    the crop and the crop straightened by the prediction. frames: (N, 4, 2) predicted corners in crop
    pixels (annotations.theta_corners)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from PIL import Image
    rows = annotations.read_csv(os.path.join(data, 'test', 'annotations.csv'))
    size = images.shape[-1]
    cols = 3
    fig, axes = plt.subplots(n // cols, 3 * cols, figsize=(15, 1.4 * n),
                             gridspec_kw=dict(width_ratios=[2.2, 1, 1] * cols))
    seen, picked = set(), []
    for i in range(len(images)):              # one crop per photograph
        a = int(labels['annotation'][i])
        if a not in seen:
            seen.add(a)
            picked.append(i)
        if len(picked) == n:
            break
    for k, i in enumerate(picked):
        ann = rows[int(labels['annotation'][i])]
        box = crops.Crop(*labels['crop'][i])
        ax_photo, ax_crop, ax_straight = axes[k // cols, 3 * (k % cols):3 * (k % cols) + 3]
        with Image.open(os.path.join(data, 'test', ann.image)) as im:
            ax_photo.imshow(im)
        true = ann.corners()
        ax_photo.plot(*np.vstack([true, true[:1]]).T, color='#30d030', linewidth=1)
        ax_photo.plot(*true[:2].T, color='#30d030', linewidth=3, linestyle=':')
        px, py = box.to_image(frames[i][:, 0], frames[i][:, 1], size)
        ax_photo.plot(np.r_[px, px[:1]], np.r_[py, py[:1]], color='#ff2020', linewidth=1.2)
        ax_photo.plot(px[:2], py[:2], color='#ff2020', linewidth=3)
        ax_photo.set_title(ann.cls, fontsize=8)
        ax_crop.imshow(to_rgb(images[i]))
        ax_crop.set_title(f'crop, {labels["angle"][i]:.0f} deg', fontsize=8)
        ax_straight.imshow(to_rgb(straight[i]))
        ax_straight.set_title('straightened', fontsize=8)
        for ax in (ax_photo, ax_crop, ax_straight):
            ax.axis('off')
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01, wspace=0.05, hspace=0.2)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=70)
    plt.close(fig)
    return path


def to_rgb(chw):
    """A net input (3, S, S) BGR in [-1, 1) as an RGB image in [0, 1]."""
    return np.clip(chw[::-1].transpose(1, 2, 0) * 0.5 + 0.5, 0, 1)
