#!/usr/bin/env python3
"""The recurrent spatial transformer on MNIST sequences, against a CNN, with `caffe train`.

    python3 examples/recurrent_st/train_all.py [--nets rnn_st cnn] [--threads N]

1. makes the mnist_sequence3 set (three digits side by side on 100x100 with 8 distractors
   of 9x9; 60,000 training sequences from the MNIST training digits, 10,000 test sequences
   from the test digits) in data/mnist_sequence/sequence3/ with tools/mnist_sequence.py;
2. trains, one after the other, rnn_st (Repeat -> Lstm -> 3 thetas -> SpatialTransformer
   -> one classifier for the 3 glimpses; every glimpse starts at the identity),
   rnn_st_windows (the same, its glimpses starting on the three thirds of the canvas) and
   cnn (the whole canvas, 3 softmax heads), with RMSProp, behind a progress bar;
3. tests each on the test sequences and prints a table: per-digit and whole-sequence test
   accuracy, training time and iterations;
4. writes output/figure_<net>.png for each recurrent net: test canvases with its 3 glimpse
   windows drawn on them, the 3 glimpses with what the classifier read in each, and every
   net's training curves (the periodic tests read the first 2,000 test sequences).

Output in examples/recurrent_st/output/ (per net: the run's net, solver, log and weights;
results.json and results.md, which keep rows of earlier runs of the other nets). Smaller
runs: --nets, --train, --test, --iters-rnn, --iters-cnn. --figures-only redraws the
figures.
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

ROOT = common.ROOT
NETS = ('rnn_st', 'rnn_st_windows', 'cnn')
RECURRENT = ('rnn_st', 'rnn_st_windows')
DEFAULT_DATA = 'data/mnist_sequence/sequence3/'     # the data folder the committed nets name
# Training iterations at batch 64 (60,000 sequences are 938 iterations): about 40 minutes
# each on this project's busy 2-core machine (an iteration of any of the three nets took
# about 0.9-1 s there).
ITERS = {'rnn_st': 2400, 'rnn_st_windows': 2400, 'cnn': 2400}
STEPS = 3
# The periodic tests during training (9 per run, the curves in the figure) read the first
# 2,000 test sequences; the final test reads them all.
PERIODIC_TEST = 2000
mnist_sequence = common._load_script(os.path.join(ROOT, 'tools', 'mnist_sequence.py'),
                                     'mnist_sequence')


def evaluate(net_path, weights, n_test, batch=100, keep=8):
    """Runs the TEST net over n_test test sequences: (per-digit accuracy, whole-sequence
    accuracy, the first `keep` sequences' blobs: data, label, scores and, for rnn_st,
    theta and glimpse)."""
    import caffe
    cwd = os.getcwd()
    os.chdir(ROOT)       # the nets' paths are relative to the repository root
    try:
        net = caffe.Net(common.rel(net_path), common.rel(weights), caffe.TEST)
        digits, sequences, seen, kept = 0, 0, 0, {}
        while seen < n_test:
            net.forward()
            take = min(batch, n_test - seen)
            scores = net.blobs['scores'].data.reshape(batch, STEPS, -1)[:take]
            labels = net.blobs['label'].data[:take].astype(int)
            right = scores.argmax(axis=2) == labels
            digits += int(right.sum())
            sequences += int(right.all(axis=1).sum())
            if not kept:
                kept = {'data': net.blobs['canvas'].data[:keep, 0].copy(),
                        'label': labels[:keep].copy(), 'scores': scores[:keep].copy()}
                if 'theta' in net.blobs:
                    kept['theta'] = net.blobs['theta'].data.reshape(batch, STEPS, 6)[:keep].copy()
                    g = net.blobs['glimpse'].data
                    kept['glimpse'] = g.reshape((batch, STEPS) + g.shape[2:])[:keep].copy()
            seen += take
        del net
    finally:
        os.chdir(cwd)
    return digits / (STEPS * n_test), sequences / n_test, kept


def run_net(net, iters, data_dir, out, n_test, batch, threads, quiet):
    threads = threads or common.default_threads()
    solver_path, _ = common.write_run_files(
        net, data_dir, out, example_dir=HERE, default_data=DEFAULT_DATA, max_iter=iters,
        stepvalue=[iters * 2 // 3, iters * 8 // 9], test_interval=max(iters // 9, 1),
        test_iter=-(-min(n_test, PERIODIC_TEST) // 100))
    if batch != 64:
        path = os.path.join(out, f'{net}.prototxt')
        text = open(path).read().replace('batch_size: 64', f'batch_size: {batch}')
        open(path, 'w').write(text)
    log_path = os.path.join(out, f'{net}.log')
    print(f'training {net} for {iters} iterations (log {common.rel(log_path)})')
    load_start = os.getloadavg()[0]
    seconds = common.train(solver_path, iters, log_path, label=net, threads=threads,
                           quiet=quiet)
    weights = os.path.join(out, f'{net}_iter_{iters}.caffemodel')
    digit_acc, seq_acc, _ = evaluate(os.path.join(out, f'{net}.prototxt'), weights, n_test)
    print(f'{net}: per-digit test accuracy {100 * digit_acc:.2f}%, whole sequences '
          f'{100 * seq_acc:.2f}%, after {iters} iterations, {seconds / 60:.1f} min')
    return dict(net=net, digit_accuracy=digit_acc, sequence_accuracy=seq_acc,
                seconds=seconds, iterations=iters, batch=batch, threads=threads,
                test=n_test, load=[load_start, os.getloadavg()[0]])


def table(rows):
    columns = [('net', 'l'), ('per-digit test error', 'r'), ('per-digit accuracy', 'r'),
               ('whole-sequence accuracy', 'r'), ('training time', 'r'), ('iterations', 'r'),
               ('ms / iteration', 'r')]
    return common.markdown_table(columns, [
        [r['net'], f'{100 * (1 - r["digit_accuracy"]):.2f}%', f'{100 * r["digit_accuracy"]:.2f}%',
         f'{100 * r["sequence_accuracy"]:.2f}%', f'{r["seconds"] / 60:.1f} min',
         str(r['iterations']), f'{1000 * r["seconds"] / r["iterations"]:.0f}'] for r in rows])


COLOURS = ('#ff3030', '#30d030', '#3090ff')


def figure(path, examples, curves, title=''):
    """examples: kept blobs of rnn_st (data, label, scores, theta, glimpse); curves:
    {net: (train_rows, test_rows)} from parse_log. Writes a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    n = len(examples['data']) if examples else 0
    rows = (n + 1) // 2
    fig = plt.figure(figsize=(12, 2.2 * rows + 4))
    grid = fig.add_gridspec(rows + 1, 8, height_ratios=[1] * rows + [2.2])
    for i in range(n):
        r, c = divmod(i, 2)
        canvas = examples['data'][i]
        H, W = canvas.shape
        ax = fig.add_subplot(grid[r, 4 * c])
        ax.imshow(canvas, cmap='gray', vmin=0, vmax=1)
        for t in range(STEPS):
            gx, gy = common.grid_outline(examples['theta'][i, t], H, W,
                                         *examples['glimpse'].shape[-2:])
            ax.plot(gx, gy, color=COLOURS[t], linewidth=1.2)
        ax.set_xlim(-0.5, W - 0.5)
        ax.set_ylim(H - 0.5, -0.5)
        ax.set_title('label ' + ''.join(str(d) for d in examples['label'][i]), fontsize=8)
        ax.axis('off')
        for t in range(STEPS):
            ax = fig.add_subplot(grid[r, 4 * c + 1 + t])
            ax.imshow(examples['glimpse'][i, t], cmap='gray', vmin=0, vmax=1)
            pred = int(examples['scores'][i, t].argmax())
            ax.set_title(f'glimpse {t + 1}: {pred}', fontsize=8, color=COLOURS[t])
            ax.axis('off')
    bottom = grid[rows, :].subgridspec(1, 2, wspace=0.2)
    ax_loss, ax_err = fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1])
    common.plot_curves(ax_loss, ax_err, curves, loss_label='training loss (per digit)',
                       error_label='per-digit test error (%)')
    if title:
        fig.suptitle(title)
    fig.subplots_adjust(left=0.05, right=0.98, top=0.95, bottom=0.05, wspace=0.1, hspace=0.35)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def draw(out, runs, n_test):
    """The figures from the runs recorded in out: figure_<net>.png for each recurrent net
    run (its glimpses, every net's curves). Returns their paths."""
    curves = {net: common.parse_log.parse_log(os.path.join(out, f'{net}.log'))
              for net in NETS if net in runs}
    paths = []
    for net in RECURRENT:
        if net not in runs:
            continue
        weights = os.path.join(out, f'{net}_iter_{runs[net]["iterations"]}.caffemodel')
        _, _, examples = evaluate(os.path.join(out, f'{net}.prototxt'), weights,
                                  min(n_test, 100))
        paths.append(figure(
            os.path.join(out, f'figure_{net}.png'), examples, curves,
            title=f'{net}: test canvases with the 3 glimpse windows (red, green, blue), the '
                  f'glimpses and what the classifier read in each; training curves'))
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--nets', nargs='+', choices=NETS, default=list(NETS))
    parser.add_argument('--train', type=common.positive, default=60000, help='training sequences')
    parser.add_argument('--test', type=common.positive, default=10000, help='test sequences')
    parser.add_argument('--iters-rnn', type=common.positive, default=ITERS['rnn_st'])
    parser.add_argument('--iters-cnn', type=common.positive, default=ITERS['cnn'])
    parser.add_argument('--batch', type=common.positive, default=64, help='training batch size')
    parser.add_argument('--seed', type=int, default=1, help='seed of the data set')
    parser.add_argument('--threads', type=common.positive, help='OMP_NUM_THREADS for training')
    parser.add_argument('--mnist-dir', help='folder with the MNIST IDX files')
    parser.add_argument('--no-check', action='store_true',
                        help='accept an MNIST folder that is not the full set')
    parser.add_argument('--data', default=os.path.join(ROOT, DEFAULT_DATA))
    parser.add_argument('--out', default=os.path.join(HERE, 'output'))
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    parser.add_argument('--figures-only', action='store_true',
                        help='redraw the figure from the runs in --out; train nothing')
    args = parser.parse_args(argv)
    start = time.time()
    iters = {'rnn_st': args.iters_rnn, 'rnn_st_windows': args.iters_rnn, 'cnn': args.iters_cnn}

    results_path = os.path.join(args.out, 'results.json')
    earlier = json.load(open(results_path)) if os.path.isfile(results_path) else []
    rows = []
    if not args.figures_only:
        mnist_sequence.make(args.data, mnist_sequence.sequence.PRESETS['sequence3'],
                            args.train, args.test, args.seed, args.mnist_dir,
                            quiet=args.quiet, check=not args.no_check)
        for net in args.nets:
            rows.append(run_net(net, iters[net], args.data, args.out, args.test, args.batch,
                                args.threads, args.quiet))
            done = {r['net'] for r in rows}
            merged = [r for r in earlier if r['net'] not in done] + rows
            os.makedirs(args.out, exist_ok=True)
            with open(results_path, 'w') as f:
                json.dump(merged, f, indent=1)
    runs = {r['net']: r for r in json.load(open(results_path))} if os.path.isfile(
        results_path) else {}
    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        f.write(table([runs[n] for n in NETS if n in runs]) + '\n')
    if runs:
        print(table([runs[n] for n in NETS if n in runs]))
        for path in draw(args.out, runs, args.test):
            print(f'figure: {common.rel(path)}')
    print(f'total {(time.time() - start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    sys.exit(main())
