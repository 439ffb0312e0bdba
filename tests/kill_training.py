"""Kills `caffe train` with SIGKILL at random moments and checks that nothing saved is lost.

Every round starts a fresh training run of a small net that snapshots often and kills it
with SIGKILL -- after a random delay; or the instant the temporary file of a chosen
snapshot file appears; or in the middle of writing it (the temporary file is made a named
pipe beforehand, so that the write blocks half-way) -- and then checks:

- every snapshot file under its final name is byte-identical to the file of the same name
  from an uninterrupted run (no truncated or partial file ever carries a final name);
- the newest complete snapshot (the newest .solverstate; its .caffemodel is written
  first) resumes, and the resumed run ends with exactly the final weights of the
  uninterrupted run;
- the resumed run removes the temporary files that the killed one left behind.

tests/test_crash_safe_training.py runs a few dozen rounds; for a longer run:

    python3 tests/kill_training.py --kills 500 --seed 3

(CAFFE_BUILD_DIR names the build folder, default build/.)
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAX_ITER = 32
SNAPSHOT = 4

# A regression task (a student layer learns a fixed teacher layer) with 256x256 weights,
# so that a snapshot (.caffemodel and .solverstate) is about 1 MB and takes a moment to write.
NET = """name: "crash_safe"
layer { name: "data" type: "DummyData" top: "x"
  dummy_data_param { shape { dim: 8 dim: 256 } data_filler { type: "gaussian" std: 1 } } }
layer { name: "teacher" type: "InnerProduct" bottom: "x" top: "target"
  param { lr_mult: 0 } param { lr_mult: 0 }
  inner_product_param { num_output: 256 weight_filler { type: "uniform" min: -0.1 max: 0.1 } } }
layer { name: "student" type: "InnerProduct" bottom: "x" top: "pred"
  inner_product_param { num_output: 256 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "target" top: "loss" }
"""

SOLVER = """net: "net.prototxt"
type: "SGD"
base_lr: 0.002
momentum: 0.9
lr_policy: "multistep"
stepvalue: 16
gamma: 0.5
display: 10
max_iter: {max_iter}
snapshot: {snapshot}
snapshot_prefix: "snapshots/ts"
snapshot_format: {format}
random_seed: 7
solver_mode: CPU
"""

COMPLETE = re.compile(r'^ts_iter_(\d+)\.solverstate(\.h5)?$')


def caffe_tool():
    root = Path(__file__).resolve().parent.parent
    return str(Path(os.environ.get('CAFFE_BUILD_DIR', root / 'build')) / 'tools' / 'caffe')


def setup(folder, fmt):
    folder = Path(folder)
    (folder / 'snapshots').mkdir(parents=True, exist_ok=True)
    (folder / 'net.prototxt').write_text(NET)
    (folder / 'solver.prototxt').write_text(SOLVER.format(max_iter=MAX_ITER, snapshot=SNAPSHOT, format=fmt))
    return folder


def command(caffe, resume=None):
    return [caffe, 'train', '-solver=solver.prototxt'] + ([f'-snapshot={resume}'] if resume else [])


def train(caffe, folder, resume=None):
    result = subprocess.run(command(caffe, resume), cwd=folder, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def snapshot_names(folder):
    return sorted(os.listdir(Path(folder) / 'snapshots'))


def temporary(names):
    return [n for n in names if '.tmp-' in n]


def newest_complete(folder):
    """The newest complete snapshot: the .solverstate with the highest iteration."""
    found = [(int(m.group(1)), n) for n in snapshot_names(folder) for m in [COMPLETE.match(n)] if m]
    return max(found)[1] if found else None


def hdf5_contents(path):
    """Every dataset of an HDF5 file as {path: array} (the file's bytes hold timestamps)."""
    import h5py
    out = {}
    with h5py.File(path, 'r') as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset)
                     else None)
    return out


def same_file(a, b):
    if not str(a).endswith('.h5'):
        return Path(a).read_bytes() == Path(b).read_bytes()
    import numpy as np
    x, y = hdf5_contents(a), hdf5_contents(b)
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)


def seconds_between(a, b):
    """Seconds from glog time a to glog time b (HH:MM:SS.micro, the same day)."""
    def seconds(stamp):
        h, m, rest = stamp.split(':')
        return int(h) * 3600 + int(m) * 60 + float(rest)
    return seconds(b) - seconds(a)


def wait_for_training(proc, log_path, deadline):
    while proc.poll() is None and time.monotonic() < deadline:
        if 'Solving ' in Path(log_path).read_text():
            return
        time.sleep(0.005)


def final_model(fmt):
    return f'ts_iter_{MAX_ITER}.caffemodel' + ('.h5' if fmt == 'HDF5' else '')


class Reference:
    """An uninterrupted run: its snapshot files and how long it took."""

    def __init__(self, caffe, folder, fmt):
        self.folder = setup(folder, fmt)
        start = time.monotonic()
        log = train(caffe, self.folder)
        self.seconds = time.monotonic() - start
        # how long the training itself took: from the "Solving" line to the last line
        stamps = [line.split()[1] for line in log.splitlines() if re.match(r'I\d{4} \d', line)]
        solving = next(line.split()[1] for line in log.splitlines() if 'Solving ' in line)
        self.training_seconds = seconds_between(solving, stamps[-1])
        self.names = snapshot_names(self.folder)
        assert not temporary(self.names), self.names
        expected = {f'ts_iter_{i}.{kind}' + ('.h5' if fmt == 'HDF5' else '')
                    for i in range(SNAPSHOT, MAX_ITER + 1, SNAPSHOT) for kind in ('caffemodel', 'solverstate')}
        assert set(self.names) == expected, self.names

    def file(self, name):
        return self.folder / 'snapshots' / name


def kill_during(proc, folder, name, deadline):
    """Polls the snapshot folder and kills proc the moment the temporary file of snapshot
    file `name` appears (or, if the poll missed it, once `name` itself is there)."""
    snapshots = Path(folder) / 'snapshots'
    while proc.poll() is None and time.monotonic() < deadline:
        if any(n == name or n.startswith(name + '.tmp-') for n in os.listdir(snapshots)):
            proc.send_signal(signal.SIGKILL)
            return
        time.sleep(0.0002)


def kill_mid_write(proc, fifo, deadline, after_bytes=100_000):
    """Kills proc inside a snapshot write, deterministically: `fifo` is a named pipe made
    under the temporary name that proc will write a snapshot file to. Proc's write goes
    into the pipe and blocks when the pipe is full; once `after_bytes` bytes have been
    read from it (the file is bigger), proc is killed in the middle of writing. Returns
    the bytes read."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that proc's open succeeds
    got = b''
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                got += os.read(fd, 65536)
            except BlockingIOError:
                pass
            if len(got) >= after_bytes:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0002)
    finally:
        os.close(fd)
    return got


AIMS = ('time', 'write', 'pipe')


def kill_round(caffe, folder, reference, fmt, rng, aim):
    """One run killed (unless it ended first) and its checks; returns (killed, landed
    during a write, newest complete snapshot). `aim`: 'time' kills at a random moment (of
    the start-up one time in five, else of the training proper),
    'write' the moment a chosen snapshot file's temporary file appears, 'pipe' in the
    middle of writing a chosen snapshot file (kill_mid_write)."""
    setup(folder, fmt)
    suffix = '.h5' if fmt == 'HDF5' else ''
    iteration = rng.randrange(SNAPSHOT, MAX_ITER + 1, SNAPSHOT)
    target = f'ts_iter_{iteration}.{rng.choice(["caffemodel", "solverstate"])}{suffix}'
    during_startup, when = rng.random() < 0.2, rng.random()
    with open(Path(folder) / 'killed.log', 'w') as log:
        proc = subprocess.Popen(command(caffe), cwd=folder, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        if aim == 'pipe':
            # caffe keeps its process id when it re-executes itself (OpenMP settings)
            fifo = Path(folder) / 'snapshots' / f'{target}.tmp-{proc.pid}'
            os.mkfifo(fifo)
            written = kill_mid_write(proc, fifo, deadline)
            if fmt != 'HDF5':  # what proc had written is the start of the real file
                whole = reference.file(target).read_bytes()
                assert 0 < len(written) < len(whole) and whole.startswith(written)
        elif aim == 'write':
            kill_during(proc, folder, target, deadline)
        elif during_startup:  # while caffe starts and builds the net
            time.sleep(when * (reference.seconds - reference.training_seconds))
            proc.send_signal(signal.SIGKILL)
        else:  # at a random moment of the training proper
            wait_for_training(proc, Path(folder) / 'killed.log', deadline)
            time.sleep(when * reference.training_seconds)
            proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    killed = proc.returncode == -signal.SIGKILL
    names = snapshot_names(folder)
    landed_in_write = bool(temporary(names))
    # No file under a final name differs from the uninterrupted run's.
    for name in names:
        if '.tmp-' in name:
            assert re.match(r'^ts_iter_\d+\.(caffemodel|solverstate)(\.h5)?\.tmp-\d+$', name), name
            continue
        assert name in reference.names, name
        assert same_file(Path(folder) / 'snapshots' / name, reference.file(name)), name
    newest = newest_complete(folder)
    resume = f'snapshots/{newest}' if newest else None
    log = train(caffe, folder, resume)
    if resume:
        assert f'Resuming from {resume}' in log
    after = snapshot_names(folder)
    assert not temporary(after), after  # the leftovers of the killed run were removed
    if landed_in_write:
        assert 'left by an interrupted write' in log
    assert same_file(Path(folder) / 'snapshots' / final_model(fmt), reference.file(final_model(fmt)))
    return killed, landed_in_write, newest


def run(kills, seed, work, caffe=None, formats=('BINARYPROTO', 'HDF5'), report=print):
    """Runs rounds (formats and aims taking turns) until `kills` runs were killed; returns
    (kills, {aim: how many kills landed during a snapshot write}, rounds)."""
    caffe = caffe or caffe_tool()
    rng = random.Random(seed)
    work = Path(work)
    references = {fmt: Reference(caffe, work / f'reference_{fmt}', fmt) for fmt in formats}
    done = rounds = 0
    landed = {aim: 0 for aim in AIMS}
    while done < kills:
        assert rounds < 3 * kills, f'only {done} of {rounds} runs were killed before they ended'
        fmt, aim = formats[rounds % len(formats)], AIMS[rounds % len(AIMS)]
        killed, in_write, newest = kill_round(caffe, work / f'round_{rounds}', references[fmt], fmt,
                                              rng, aim)
        rounds += 1
        done += killed
        landed[aim] += in_write
        report(f'round {rounds} ({fmt}, {aim}): {"killed" if killed else "ended before the kill"}; '
               f'newest complete snapshot {newest or "none"}'
               f'{"; killed during a snapshot write" if in_write else ""}')
    return done, landed, rounds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--kills', type=int, default=100)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        kills, landed, rounds = run(args.kills, args.seed, work)
    print(f'{kills} kills in {rounds} runs; during a snapshot write: {sum(landed.values())} '
          f'({landed}); every snapshot intact, every resume exact')
    return 0


if __name__ == '__main__':
    sys.exit(main())
