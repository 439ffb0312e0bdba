"""What quick.py and train_all.py share: making the cluttered sets, writing one run's net
and solver (the committed files with that run's data folder, iterations and snapshot
prefix), training with `caffe train` behind a progress display, testing, and the figure."""
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'python'))


def default_threads():
    """OpenMP threads for training when the user names none: OMP_NUM_THREADS if set, else
    every core (the library's OpenMP defaults keep a busy machine usable: see
    docs/cpu_engines.md)."""
    return int(os.environ.get('OMP_NUM_THREADS') or os.cpu_count() or 1)


def quiet_pycaffe():
    """For the scripts, before caffe loads: pycaffe in their process logs warnings and
    errors only (`caffe train` logs everything: its log is parsed). Done on import only
    when the scripts ask (tests import this module too and must not change the environment
    of the tools they run)."""
    os.environ.setdefault('GLOG_minloglevel', '1')


if os.environ.get('CAFFE_EXAMPLE_SCRIPT'):   # set by quick.py and train_all.py
    quiet_pycaffe()
from caffe.datasets.progress import Progress  # noqa: E402


DEFAULT_DATA = 'data/cluttered_mnist/stn60/'     # the data folder the committed nets name
NETS = ('cnn', 'st_cnn', 'st_rotation', 'st_similarity')


def _load_script(path, name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mnist_cluttered = _load_script(os.path.join(ROOT, 'tools', 'mnist_cluttered.py'),
                               'mnist_cluttered')
parse_log = _load_script(os.path.join(ROOT, 'tools', 'extra', 'parse_log.py'), 'parse_log')


def positive(text):
    """argparse type: a whole number above 0 (counts, iterations, threads)."""
    import argparse
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number above 0')
    return value


def rel(path):
    """path relative to the repository root (the nets' paths are), with a final / kept."""
    out = os.path.relpath(os.path.abspath(path), ROOT)
    return out + '/' if path.endswith('/') else out


def caffe_tool():
    build = os.environ.get('CAFFE_BUILD_DIR', os.path.join(ROOT, 'build'))
    path = os.path.join(build, 'tools', 'caffe')
    return path if os.path.exists(path) else 'caffe'


def write_run_files(net, data_dir, run_dir, example_dir=HERE, default_data=DEFAULT_DATA,
                    replace=None, **solver_fields):
    """Writes run_dir/<net>.prototxt (the committed net of example_dir, reading data_dir
    where it names default_data, and with each string of `replace` -- a dict, each key of
    which the net must contain -- replaced by its value) and run_dir/<net>_solver.prototxt
    (the committed solver with that net, the snapshot prefix run_dir/<net> and
    solver_fields overriding its fields; a field given as None keeps the committed value).
    Returns the solver's path and the solver."""
    os.makedirs(run_dir, exist_ok=True)
    net_template = os.path.join(example_dir, f'{net}.prototxt')
    text = open(net_template).read()
    text = text.replace(default_data, rel(data_dir.rstrip('/') + '/'))
    for old, new in (replace or {}).items():
        if old not in text:
            raise ValueError(f'{net_template} does not contain {old!r}: cannot replace it')
        text = text.replace(old, new)
    net_path = os.path.join(run_dir, f'{net}.prototxt')
    with open(net_path, 'w') as f:
        f.write(text)
    return _write_solver(os.path.join(example_dir, f'{net}_solver.prototxt'), net_path,
                         os.path.join(run_dir, net), solver_fields)


def _write_solver(template, net_path, prefix, solver_fields):
    """The solver of template with net net_path, snapshot prefix `prefix` and solver_fields
    overriding its fields (None: the committed value), written to
    <prefix>_solver.prototxt: (its path, the solver)."""
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    solver = caffe_pb2.SolverParameter()
    text_format.Merge(open(template).read(), solver)
    solver.net = rel(net_path)
    solver.snapshot_prefix = rel(prefix)
    for key, value in solver_fields.items():
        if value is None:
            continue
        if key in ('test_iter', 'stepvalue'):          # repeated fields
            del getattr(solver, key)[:]
            getattr(solver, key).extend(value if isinstance(value, (list, tuple)) else [value])
        else:
            setattr(solver, key, value)
    solver_path = f'{prefix}_solver.prototxt'
    with open(solver_path, 'w') as f:
        f.write(text_format.MessageToString(solver))
    return solver_path, solver


def write_warmup_solver(net, run_dir, example_dir=HERE, **solver_fields):
    """For a net with a committed <net>_warmup_solver.prototxt (a first phase of training at
    a lower learning rate; the main solver resumes from its snapshot): writes
    run_dir/<net>_warmup_solver.prototxt with the run's net (run_dir/<net>.prototxt, from
    write_run_files), the snapshot prefix run_dir/<net>_warmup and solver_fields overriding
    its fields. Returns its path and the solver, or None when the net has no warm-up."""
    template = os.path.join(example_dir, f'{net}_warmup_solver.prototxt')
    if not os.path.isfile(template):
        return None
    return _write_solver(template, os.path.join(run_dir, f'{net}.prototxt'),
                         os.path.join(run_dir, f'{net}_warmup'), solver_fields)


ITERATION = re.compile(r'Iteration (\d+), loss = ([-+\d.eE]+|nan|inf)')
TEST_ACC = re.compile(r'Test net output #\d+: accuracy = ([-+\d.eE]+)')


def train(solver_path, max_iter, log_path, label='train', threads=None, quiet=False,
          snapshot=None, append=False):
    """Runs `caffe train` from the repository root, writing its log to log_path (appending
    to it with append=True) and showing a progress bar (iterations, loss, last test
    accuracy); snapshot: a .solverstate to resume from. Returns the wall time in s."""
    env = dict(os.environ, GLOG_minloglevel='0')
    env['OMP_NUM_THREADS'] = str(threads or default_threads())
    cmd = [caffe_tool(), 'train', f'-solver={rel(solver_path)}']
    if snapshot:
        cmd.append(f'-snapshot={rel(snapshot)}')
    start = time.time()
    stream = open(os.devnull, 'w') if quiet else None
    with open(log_path, 'a' if append else 'w', buffering=1) as log, \
            Progress(max_iter, label, stream=stream) as bar:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=log,
                                text=True)
        for line in proc.stderr:
            log.write(line)
            m = ITERATION.search(line)
            if m:
                bar.update(int(m.group(1)) - bar.done, loss=float(m.group(2)))
            m = TEST_ACC.search(line)
            if m:
                bar.update(0, test_acc=float(m.group(1)))
        code = proc.wait()
    if code != 0:
        tail = open(log_path).read().splitlines()[-5:]
        raise RuntimeError(f'caffe train failed ({code}); see {log_path}:\n' + '\n'.join(tail))
    return time.time() - start


def train_net(net, run_dir, solver_path, max_iter, log_path, label='train', threads=None,
              quiet=False, example_dir=HERE):
    """Trains a run written by write_run_files into one log. A net with a warm-up solver
    (write_warmup_solver) first runs that -- its max_iter, but at most a quarter of
    max_iter, with the main solver's random_seed and display -- and then the main solver
    from the warm-up's snapshot, to max_iter in all. Returns the wall time of both phases
    in s."""
    warm_max = _warmup_iters(net, max_iter, example_dir)
    if not warm_max:
        return train(solver_path, max_iter, log_path, label, threads, quiet)
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    main = caffe_pb2.SolverParameter()
    text_format.Merge(open(solver_path).read(), main)
    warm_path, warm = write_warmup_solver(net, run_dir, example_dir, max_iter=warm_max,
                                          random_seed=main.random_seed, display=main.display)
    seconds = train(warm_path, warm_max, log_path, f'{label} warm-up', threads, quiet)
    state = os.path.join(ROOT, f'{warm.snapshot_prefix}_iter_{warm_max}.solverstate')
    return seconds + train(solver_path, max_iter, log_path, label, threads, quiet,
                           snapshot=state, append=True)


def _warmup_iters(net, max_iter, example_dir=HERE):
    """The warm-up's length for a run of max_iter iterations (0: none)."""
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    template = os.path.join(example_dir, f'{net}_warmup_solver.prototxt')
    if not os.path.isfile(template):
        return 0
    solver = caffe_pb2.SolverParameter()
    text_format.Merge(open(template).read(), solver)
    return max(1, min(solver.max_iter, max_iter // 4))


def evaluate(net_path, weights, n_test, batch=100, outputs=('ip2',), keep=16, collect=()):
    """Runs the TEST net over the whole test list: (accuracy, first `keep` inputs, the
    matching blobs named in outputs). Paths in the net are relative to the repository
    root, so it runs from there. With collect (blob names), the kept dict also holds
    'all_<name>': that blob for every test image, in the list's order."""
    import caffe
    cwd = os.getcwd()
    os.chdir(ROOT)       # the data layer reads its files, relative to the root, as it runs
    try:
        net = caffe.Net(rel(net_path), rel(weights), caffe.TEST)
        correct, seen, kept = 0, 0, {}
        gathered = {name: [] for name in collect}
        while seen < n_test:
            net.forward()
            take = min(batch, n_test - seen)
            scores = net.blobs['ip2'].data[:take]
            labels = net.blobs['label'].data[:take].astype(int)
            correct += int(np.sum(scores.argmax(axis=1) == labels))
            if not kept:
                kept = {name: net.blobs[name].data[:keep].copy()
                        for name in ('data', 'label') + tuple(outputs) if name in net.blobs}
            for name in collect:
                gathered[name].append(net.blobs[name].data[:take].copy())
            seen += take
        del net
    finally:
        os.chdir(cwd)
    kept.update({f'all_{name}': np.concatenate(v) for name, v in gathered.items()})
    return correct / n_test, kept


def markdown_table(columns, rows):
    """A Markdown table: columns are (title, align) pairs, align 'l' (left) or 'r' (right,
    for numbers); rows are lists of cell strings, one per column."""
    lines = ['| ' + ' | '.join(title for title, _ in columns) + ' |',
             '|' + '|'.join('---:' if align == 'r' else '---' for _, align in columns) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def window_placement(theta, digit_rows, digit_cols, H, W, H_out, W_out, digit=28,
                     transform_type='affine'):
    """Where an ST net's sampling windows lie against the digits (top-left pixel
    digit_rows/digit_cols, size digit x digit) on H x W canvases, per image, in this
    project's convention (x is the row axis; the output grid runs over
    -1 .. 1 - 2/H_out): a dict of arrays -- the distance in input pixels from the window's
    centre to the digit's centre ('centre_error'), the same for the whole canvas
    ('canvas_error', what a transformer that does not move would get), the window's
    side in input pixels as the square of the same area ('side'), and the digit's side in
    the output's pixels ('digit_in_output')."""
    thetas = np.stack([full_theta(t, transform_type) for t in np.asarray(theta)])
    centre_t = np.array([-1.0 / H_out, -1.0 / W_out, 1.0])     # the grid's middle
    x_s, y_s = thetas[:, 0] @ centre_t, thetas[:, 1] @ centre_t
    rows, cols = (x_s + 1) * H / 2, (y_s + 1) * W / 2
    half = (digit - 1) / 2.0
    d_rows, d_cols = np.asarray(digit_rows) + half, np.asarray(digit_cols) + half
    area = np.abs(np.linalg.det(thetas[:, :, :2])) * H * W      # the grid's extent: 2 -> H
    side = np.sqrt(area)
    return dict(centre_error=np.hypot(rows - d_rows, cols - d_cols),
                canvas_error=np.hypot((H - 1) / 2.0 - d_rows, (W - 1) / 2.0 - d_cols),
                side=side, digit_in_output=digit * np.sqrt(H_out * W_out) / side)


def grid_outline(theta, H, W, H_out, W_out, transform_type='affine'):
    """(columns, rows) in input pixels of the outline of the sampling grid, in this
    project's convention (docs/compatibility.md): x is the row axis."""
    t = full_theta(theta, transform_type)
    xs = np.array([-1, -1, 1 - 2.0 / H_out, 1 - 2.0 / H_out, -1])   # target rows
    ys = np.array([-1, 1 - 2.0 / W_out, 1 - 2.0 / W_out, -1, -1])   # target columns
    x_s = t[0, 0] * xs + t[0, 1] * ys + t[0, 2]
    y_s = t[1, 0] * xs + t[1, 1] * ys + t[1, 2]
    return (y_s + 1) * W / 2, (x_s + 1) * H / 2


def full_theta(theta, transform_type='affine'):
    theta = np.asarray(theta, np.float64).reshape(-1)
    if transform_type == 'affine':
        return theta.reshape(2, 3)
    if transform_type == 'rotation':
        a = np.pi * theta[0]
        return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0]])
    if transform_type == 'similarity':
        s, a, tx, ty = theta[0], np.pi * theta[1], theta[2], theta[3]
        return np.array([[s * np.cos(a), -s * np.sin(a), tx], [s * np.sin(a), s * np.cos(a), ty]])
    raise ValueError(transform_type)


def plot_curves(ax_loss, ax_err, curves, loss_label='training loss',
                error_label='test error (%)'):
    """Training loss and test error (from test accuracy) against the iteration, one line per
    run, on log axes: curves maps a run's name to parse_log's (train rows, test rows).
    An axis spanning more than two decades labels its powers of ten only; a narrower one
    also labels 2 and 5 times them (labels at every minor tick would overlap)."""
    import math
    from matplotlib.ticker import FormatStrFormatter, FuncFormatter

    def two_and_five(value, _):
        if value <= 0:
            return ''
        mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f'{value:g}' if round(mantissa, 6) in (2.0, 5.0) else ''

    for name, (train_rows, test_rows) in curves.items():
        if train_rows:
            ax_loss.plot([r['NumIters'] for r in train_rows], [r['loss'] for r in train_rows],
                         label=name, linewidth=1)
        test = [r for r in test_rows if 'accuracy' in r]
        if test:
            ax_err.plot([r['NumIters'] for r in test], [100 * (1 - r['accuracy']) for r in test],
                        marker='.', label=name, linewidth=1)
    ax_loss.set_xlabel('iteration')
    ax_loss.set_ylabel(loss_label)
    ax_err.set_xlabel('iteration')
    ax_err.set_ylabel(error_label)
    for ax in (ax_loss, ax_err):
        ax.set_yscale('log')
        ax.yaxis.set_major_formatter(FormatStrFormatter('%g'))
        low, high = ax.get_ylim()
        if high <= 100 * low:
            ax.yaxis.set_minor_formatter(FuncFormatter(two_and_five))
        ax.grid(True, which='both', alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=8)


def figure(path, examples, curves, transform_type='affine', title=''):
    """examples: the kept blobs of an ST net (data, label, theta, st_out, ip2);
    curves: {name: (train_rows, test_rows)} from parse_log. Writes a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    data, st_out, theta = examples['data'], examples['st_out'], examples['theta']
    n = min(16, len(data))
    H, W = data.shape[2:]
    H_out, W_out = st_out.shape[2:]
    fig = plt.figure(figsize=(12, 9.5))
    cols = 8
    grid = fig.add_gridspec(5, cols, height_ratios=[1, 1, 1, 1, 2.2])
    for i in range(n):
        r, c = divmod(i, cols // 2)
        ax = fig.add_subplot(grid[r, 2 * c])
        ax.imshow(data[i, 0], cmap='gray', vmin=0, vmax=1)
        gx, gy = grid_outline(theta[i], H, W, H_out, W_out, transform_type)
        ax.plot(gx, gy, color='#ff3030', linewidth=1.2)
        ax.set_xlim(-0.5, W - 0.5)
        ax.set_ylim(H - 0.5, -0.5)
        pred = int(examples['ip2'][i].argmax())
        ax.set_title(f'input, label {int(examples["label"][i])}', fontsize=8)
        ax.axis('off')
        ax = fig.add_subplot(grid[r, 2 * c + 1])
        ax.imshow(st_out[i, 0], cmap='gray', vmin=0, vmax=1)
        ax.set_title(f'transformed: {pred}', fontsize=8)
        ax.axis('off')
    bottom = grid[4, :].subgridspec(1, 2, wspace=0.2)
    ax_loss = fig.add_subplot(bottom[0])
    ax_err = fig.add_subplot(bottom[1])
    plot_curves(ax_loss, ax_err, curves)
    if title:
        fig.suptitle(title)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.93, bottom=0.06, wspace=0.1, hspace=0.3)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
