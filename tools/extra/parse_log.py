#!/usr/bin/env python3
"""Parse a `caffe train` log (glog format) into two CSV tables.

    python3 tools/extra/parse_log.py caffe.log [output_dir]

writes <log name>.train and <log name>.test beside the log (or into output_dir), with
columns NumIters, Seconds, LearningRate and one column per net output (loss, accuracy,...).
"""
import argparse
import csv
import datetime
import os
import re

ITERATION = re.compile(r'Iteration (\d+)')
LEARNING_RATE = re.compile(r'Iteration \d+, lr = ([-+\d.eE]+|nan|inf)')
TRAIN_OUTPUT = re.compile(r'Train net output #(\d+): (\S+) = ([-+\d.eE]+|nan|inf)')
TEST_OUTPUT = re.compile(r'Test net output #(\d+): (\S+) = ([-+\d.eE]+|nan|inf)')
TESTING = re.compile(r'Iteration (\d+), Testing net')
GLOG_TIME = re.compile(r'^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d+)')


def _timestamp(line, year):
    m = GLOG_TIME.match(line)
    if not m:
        return None
    month, day, hh, mm, ss, frac = m.groups()
    return datetime.datetime(year, int(month), int(day), int(hh), int(mm), int(ss),
                             int(frac[:6].ljust(6, '0')))


def parse_log(path):
    """Returns (train_rows, test_rows): lists of dicts keyed by column name."""
    year = datetime.datetime.fromtimestamp(os.path.getmtime(path)).year
    train, test = [], []
    iteration, lr, start = -1, float('nan'), None
    pending_train, pending_test = None, None
    with open(path, errors='replace') as f:
        for line in f:
            stamp = _timestamp(line, year)
            if stamp is not None and start is None:
                start = stamp
            seconds = (stamp - start).total_seconds() if stamp is not None else float('nan')
            m = ITERATION.search(line)
            if m:
                iteration = int(m.group(1))
            m = LEARNING_RATE.search(line)
            if m:
                lr = float(m.group(1))
                if pending_train is not None:
                    pending_train['LearningRate'] = lr
            if TESTING.search(line):
                pending_test = {'NumIters': iteration, 'Seconds': seconds, 'LearningRate': lr}
                test.append(pending_test)
            m = TRAIN_OUTPUT.search(line)
            if m:
                if pending_train is None or pending_train['NumIters'] != iteration:
                    pending_train = {'NumIters': iteration, 'Seconds': seconds,
                                     'LearningRate': lr}
                    train.append(pending_train)
                pending_train[m.group(2)] = float(m.group(3))
            m = TEST_OUTPUT.search(line)
            if m and pending_test is not None:
                pending_test[m.group(2)] = float(m.group(3))
    return train, test


def write_csv(rows, path):
    columns = ['NumIters', 'Seconds', 'LearningRate']
    for row in rows:
        columns += [k for k in row if k not in columns]
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval='')
        writer.writeheader()
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('logfile')
    parser.add_argument('output_dir', nargs='?')
    args = parser.parse_args()
    train, test = parse_log(args.logfile)
    out_dir = args.output_dir or os.path.dirname(os.path.abspath(args.logfile))
    base = os.path.join(out_dir, os.path.basename(args.logfile))
    write_csv(train, base + '.train')
    write_csv(test, base + '.test')
    print(f'{len(train)} training rows -> {base}.train, {len(test)} test rows -> {base}.test')


if __name__ == '__main__':
    main()
