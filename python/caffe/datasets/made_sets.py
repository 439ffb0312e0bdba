"""What the generated-set tools (tools/mnist_cluttered.py, tools/mnist_sequence.py) and the
document examples share: the record of how a folder's set was made, and the tools'
command line.

A maker writes the set's files, then the record last (OUT/params.json unless named
otherwise): the parameters, sizes and seed that made it. `holds(out, record)` is true only
when that record matches and the set's files are there, so a set is made once and a
half-made one is never taken for whole: `start(out)` removes the record before anything
is written.
"""
import argparse
import json
import os
import shutil
import sys


RECORD = 'params.json'
LISTS = ('train.txt', 'test.txt')


def holds(out, record, needed=LISTS, name=RECORD):
    """True when out already holds the set record describes: its record file `name` equal
    to it and every path in `needed` (relative to out; default the train and test list
    files) present."""
    meta = os.path.join(out, name)
    if not os.path.isfile(meta) or not all(os.path.exists(os.path.join(out, f)) for f in needed):
        return False
    try:
        with open(meta) as f:
            return json.load(f) == record
    except ValueError:             # a damaged record: the set is made again
        return False


def start(out, name=RECORD):
    """Makes out and removes its record: until finish() writes the new one, the folder
    holds no set that holds() accepts."""
    os.makedirs(out, exist_ok=True)
    meta = os.path.join(out, name)
    if os.path.isfile(meta):
        os.remove(meta)


def finish(out, record, name=RECORD):
    """Writes the record (under a temporary name, then renamed) once the set is whole."""
    meta = os.path.join(out, name)
    with open(meta + '.tmp', 'w') as f:
        json.dump(record, f, indent=1)
    os.replace(meta + '.tmp', meta)


def remove(path):
    """Removes a stale part of a set being made again: a folder with what it holds, or a
    file; nothing when path does not exist."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def count(text):
    """argparse type: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number >= 0')
    return value


def parser(doc, presets, default_preset, noun, overrides):
    """The tools' common command line: OUT, --preset, one option per overridable parameter
    (overrides: (name, help) pairs, name as in the presets), --train/--test counts of
    `noun`, --seed, --mnist-dir and --no-check."""
    p = argparse.ArgumentParser(description=doc.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('out')
    p.add_argument('--preset', choices=sorted(presets), default=default_preset)
    p.add_argument('--train', type=count, default=60000, help=f'training {noun}')
    p.add_argument('--test', type=count, default=10000, help=f'test {noun}')
    for name, text in overrides:
        p.add_argument('--' + name.replace('_', '-'), type=int, help=text)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--mnist-dir', help='folder with the MNIST IDX files')
    p.add_argument('--no-check', action='store_true',
                   help='accept an MNIST folder that is not the full set (a subset)')
    return p


def params(args, presets, overrides):
    """The preset args names, with each parameter given on the command line replacing its
    value."""
    chosen = dict(presets[args.preset])
    for name, _ in overrides:
        if getattr(args, name) is not None:
            chosen[name] = getattr(args, name)
    return chosen


def run(tool, make, errors=()):
    """Calls make(); a ValueError, an OSError (mnist.DatasetError is one) or one of errors
    becomes one line `tool: message` on stderr and exit status 1."""
    try:
        make()
    except (ValueError, OSError) + tuple(errors) as e:
        print(f'{tool}: {e}', file=sys.stderr)
        return 1
    return 0
