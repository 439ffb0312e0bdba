#!/usr/bin/env python3
"""Plot `caffe train` logs: one chart, one line per log, saved as an image.

    python3 tools/extra/plot_training_log.py CHART OUTPUT.png first.log [second.log ...]

CHART is BVLC's chart number or a name of the form "<table> <column> vs <axis>":

    0  Test accuracy vs. Iters        4  Train learning rate vs. Iters
    1  Test accuracy vs. Seconds      5  Train learning rate vs. Seconds
    2  Test loss vs. Iters            6  Train loss vs. Iters
    3  Test loss vs. Seconds          7  Train loss vs. Seconds

e.g. `"test accuracy vs iters"`, or any other output of the net (`"train loss_cls vs
seconds"`). The logs are read with parse_log.py beside this script; each line is labelled
with its log's file name. The image format follows OUTPUT's extension (png, svg, pdf).
"""
import argparse
import importlib.util
import os
import re
import sys

import matplotlib

matplotlib.use('Agg')  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('parse_log', os.path.join(_HERE, 'parse_log.py'))
parse_log = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parse_log)

CHARTS = [
    'Test accuracy vs. Iters', 'Test accuracy vs. Seconds',
    'Test loss vs. Iters', 'Test loss vs. Seconds',
    'Train learning rate vs. Iters', 'Train learning rate vs. Seconds',
    'Train loss vs. Iters', 'Train loss vs. Seconds',
]
_AXES = {'iters': 'NumIters', 'seconds': 'Seconds'}
_CHART = re.compile(r'^\s*(train|test)\s+(.+?)\s+vs\.?\s+(iters|seconds)\s*$', re.IGNORECASE)


def parse_chart(chart):
    """(table 'train' or 'test', column, x column) of a chart number or name."""
    if re.fullmatch(r'\d+', str(chart).strip()):
        number = int(chart)
        if not 0 <= number < len(CHARTS):
            raise ValueError(f'chart number {number} is not one of 0-{len(CHARTS) - 1}')
        chart = CHARTS[number]
    m = _CHART.match(str(chart))
    if not m:
        raise ValueError(f"chart '{chart}' is neither 0-{len(CHARTS) - 1} nor "
                         f"'<train|test> <column> vs <iters|seconds>'")
    table, column, axis = m.group(1).lower(), m.group(2), m.group(3).lower()
    if column.lower() == 'learning rate':
        column = 'LearningRate'
    return table, column, _AXES[axis]


def series(log_path, table, column, x_column):
    """(x values, y values) of one column of one log's train or test table."""
    train, test = parse_log.parse_log(log_path)
    rows = train if table == 'train' else test
    rows = [r for r in rows if column in r and x_column in r]
    if not rows:
        raise ValueError(f"{log_path}: no {table} rows with a '{column}' value (its {table} "
                         f"columns: {sorted({k for r in (train if table == 'train' else test) for k in r})})")
    return [r[x_column] for r in rows], [r[column] for r in rows]


def plot(chart, output, logs):
    """Draws the chart for the logs into `output`; returns the plotted lines as
    [(label, x values, y values)]."""
    table, column, x_column = parse_chart(chart)
    fig, ax = plt.subplots(figsize=(8, 5))
    lines = []
    for log in logs:
        xs, ys = series(log, table, column, x_column)
        lines.append((os.path.basename(log), xs, ys))
        ax.plot(xs, ys, marker='.', linewidth=1, label=lines[-1][0])
    ax.set_xlabel('Iterations' if x_column == 'NumIters' else 'Seconds')
    ax.set_ylabel(f'{table} {column}')
    ax.set_title(f'{table.capitalize()} {column} vs. '
                 f'{"Iters" if x_column == "NumIters" else "Seconds"}')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='best')
    fig.tight_layout()
    fig.savefig(output)
    plt.close(fig)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('chart', help='chart number (0-7) or "<train|test> <column> vs <iters|seconds>"')
    parser.add_argument('output', help='image file to write (png, svg, pdf, ...)')
    parser.add_argument('logs', nargs='+', help='caffe train logs')
    args = parser.parse_args(argv)
    try:
        plot(args.chart, args.output, args.logs)
    except (ValueError, OSError) as e:
        print(f'plot_training_log: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
