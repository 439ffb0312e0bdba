"""Crash-safe training: `caffe train` killed with SIGKILL at random moments (also in the
middle of snapshot writes) never leaves a damaged snapshot, and resuming from the newest
complete one ends with exactly the weights of an uninterrupted run; SIGINT, SIGHUP and
SIGTERM do what -sigint_effect / -sighup_effect / -sigterm_effect say; a snapshot that
cannot be written (a full disk, a file-size limit) leaves the earlier snapshots intact and
is reported in one line, from the caffe command and from pycaffe."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

import kill_training
from conftest import require_tool

KILLS = 24


def test_sigkill_at_random_moments_never_loses_a_snapshot(tmp_path):
    lines = []
    kills, landed, rounds = kill_training.run(KILLS, seed=11, work=tmp_path, caffe=require_tool('caffe'),
                                              report=lines.append)
    print('\n'.join(lines))
    print(f'{kills} kills in {rounds} runs; during a snapshot write: {landed}')
    assert kills == KILLS
    # Every third run has its kill forced into a snapshot write (a named pipe as the
    # temporary file): those always land there.
    pipe_rounds = len(range(kill_training.AIMS.index('pipe'), rounds, len(kill_training.AIMS)))
    assert landed['pipe'] == pipe_rounds >= 6


# ---------------------------------------------------------------------------- signals

NET = """name: "teacher_student"
layer { name: "data" type: "DummyData" top: "x"
  dummy_data_param { shape { dim: 16 dim: 5 } data_filler { type: "gaussian" std: 1 } } }
layer { name: "teacher" type: "InnerProduct" bottom: "x" top: "target"
  param { lr_mult: 0 } param { lr_mult: 0 }
  inner_product_param { num_output: 3 weight_filler { type: "uniform" min: -1 max: 1 } } }
layer { name: "student" type: "InnerProduct" bottom: "x" top: "pred"
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "target" top: "loss" }
"""

SOLVER = """net: "net.prototxt"
base_lr: 0.01
momentum: 0.9
lr_policy: "fixed"
display: 500
max_iter: {max_iter}
snapshot: {snapshot}
snapshot_prefix: "snapshots/ts"
random_seed: 3
solver_mode: CPU
{extra}"""


def setup_task(folder, max_iter=10**9, snapshot=0, extra='', net=NET):
    (folder / 'snapshots').mkdir(parents=True, exist_ok=True)
    (folder / 'net.prototxt').write_text(net)
    (folder / 'solver.prototxt').write_text(SOLVER.format(max_iter=max_iter, snapshot=snapshot, extra=extra))
    return folder


class Training:
    """A `caffe train` process whose log is read as it grows."""

    def __init__(self, folder, flags=()):
        self.folder, self.log_path = folder, folder / 'train.log'
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen([require_tool('caffe'), 'train', '-solver=solver.prototxt', *flags],
                                         cwd=folder, stdout=log, stderr=log)
        self.seen = 0  # how much of the log earlier waits consumed
        try:
            self.wait_for('Solving ')
        except BaseException:
            self.close()      # the caller never gets the object to close: no process left behind
            raise

    def log(self):
        return self.log_path.read_text()

    def wait_for(self, pattern, timeout=60):
        """Waits for the regex in the part of the log after the last match; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.compile(pattern).search(self.log(), self.seen)
            if m:
                self.seen = m.end()
                return m
            assert self.proc.poll() is None, f'caffe ended before {pattern!r}:\n{self.log()[-3000:]}'
            assert time.monotonic() < deadline, f'no {pattern!r} within {timeout} s:\n{self.log()[-3000:]}'
            time.sleep(0.02)

    def signal(self, sig, effect):
        """Sends sig and checks that caffe did `effect` with it; returns the iteration of the
        snapshot it wrote (snapshot, stop) or None."""
        name = signal.Signals(sig).name
        self.proc.send_signal(sig)
        self.wait_for(rf'Caught {name}.*; its effect: {effect}\n')
        if effect == 'none':
            self.wait_for(r'Iteration \d+, loss')  # training goes on (the snapshots are counted at the end)
            return None
        if effect == 'snapshot':
            m = self.wait_for(r'Snapshotting solver state to binary proto file snapshots/ts_iter_(\d+)\.solverstate')
            self.wait_for(r'Iteration \d+, loss')  # and goes on
            return int(m.group(1))
        assert self.proc.wait(timeout=60) == 0, self.log()[-3000:]
        log = self.log()
        assert 'Optimization stopped early.' in log
        m = re.findall(r'Snapshotting solver state to binary proto file snapshots/ts_iter_(\d+)\.solverstate',
                       log[self.seen:])
        return int(m[-1]) if m else None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def states(folder):
    return sorted(int(m.group(1)) for p in (folder / 'snapshots').iterdir()
                  for m in [re.match(r'ts_iter_(\d+)\.solverstate$', p.name)] if m)


# Each signal meets each effect once; the last signal of a run stops it.
LATIN_SQUARE = [
    [(signal.SIGHUP, 'snapshot'), (signal.SIGINT, 'none'), (signal.SIGTERM, 'stop')],
    [(signal.SIGINT, 'snapshot'), (signal.SIGTERM, 'none'), (signal.SIGHUP, 'stop')],
    [(signal.SIGTERM, 'snapshot'), (signal.SIGHUP, 'none'), (signal.SIGINT, 'stop')],
]
FLAG = {signal.SIGINT: 'sigint_effect', signal.SIGHUP: 'sighup_effect', signal.SIGTERM: 'sigterm_effect'}


@pytest.mark.parametrize('plan', LATIN_SQUARE, ids=lambda plan: '-'.join(
    f'{signal.Signals(s).name}_{e}' for s, e in plan))
def test_signal_effects_follow_the_flags(tmp_path, plan):
    setup_task(tmp_path)
    run = Training(tmp_path, [f'-{FLAG[sig]}={effect}' for sig, effect in plan])
    try:
        written = [run.signal(sig, effect) for sig, effect in plan]
    finally:
        run.close()
    snapshot, none, stop = written
    assert none is None and snapshot is not None and stop is not None and stop > snapshot
    # "stop" wrote the final snapshot (snapshot_after_train, as BVLC); "none" wrote nothing.
    assert states(tmp_path) == [snapshot, stop]


def test_default_effects(tmp_path):
    """Without flags: SIGHUP snapshots (BVLC), SIGTERM stops after the final snapshot (not
    in BVLC, where SIGTERM ends the process at once), as SIGINT does."""
    setup_task(tmp_path)
    run = Training(tmp_path)
    try:
        snapshot = run.signal(signal.SIGHUP, 'snapshot')
        stop = run.signal(signal.SIGTERM, 'stop')
    finally:
        run.close()
    assert states(tmp_path) == [snapshot, stop]


def test_stop_without_snapshot_after_train(tmp_path):
    """snapshot_after_train: false -- a stop writes no snapshot, as in BVLC."""
    setup_task(tmp_path, extra='snapshot_after_train: false\n')
    run = Training(tmp_path)
    try:
        assert run.signal(signal.SIGINT, 'stop') is None
    finally:
        run.close()
    assert states(tmp_path) == []


def test_bad_effect_names(tmp_path):
    setup_task(tmp_path)
    for flag in ('sigint_effect', 'sighup_effect', 'sigterm_effect'):
        result = subprocess.run([require_tool('caffe'), 'train', '-solver=solver.prototxt', f'-{flag}=pause'],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert one_error_line(result.stderr) == f'caffe: -{flag}=pause: expected stop, snapshot or none'


# --------------------------------------------------------------- snapshot writes that fail

# 64x128 student and teacher weights: a .caffemodel and a .solverstate of about 67 KB each.
BIG_NET = NET.replace('dim: 16 dim: 5', 'dim: 4 dim: 64').replace('num_output: 3', 'num_output: 128')


def one_error_line(stderr):
    errors = [line for line in stderr.splitlines() if line.startswith('caffe: ')]
    assert len(errors) == 1, stderr[-3000:]
    for crash in ('Check failed', '*** ', 'terminate called', 'Aborted', 'Traceback'):
        assert crash not in stderr
    return errors[0]


def snapshot_files(folder):
    return {p.name: p.read_bytes() for p in sorted((folder / 'snapshots').iterdir())}


def limit_file_size(limit):
    """For a child process: files cannot grow past `limit` bytes; a write that would
    fails with EFBIG (SIGXFSZ, which would kill the process, is ignored)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_caffe_train_stops_when_a_snapshot_cannot_be_written(tmp_path):
    """A resumed run whose snapshots cannot be written (a file-size limit below the size
    of a .caffemodel): it stops at the first snapshot with one error line naming the file,
    the reason and the last complete snapshot; the earlier snapshots are untouched."""
    setup_task(tmp_path, max_iter=20, snapshot=10, net=BIG_NET)
    first = subprocess.run([require_tool('caffe'), 'train', '-solver=solver.prototxt'], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr[-3000:]
    before = snapshot_files(tmp_path)
    assert sorted(before) == ['ts_iter_10.caffemodel', 'ts_iter_10.solverstate',
                              'ts_iter_20.caffemodel', 'ts_iter_20.solverstate']
    assert len(before['ts_iter_20.caffemodel']) > 30000
    setup_task(tmp_path, max_iter=40, snapshot=10, net=BIG_NET)
    result = subprocess.run([require_tool('caffe'), 'train', '-solver=solver.prototxt',
                             '-snapshot=snapshots/ts_iter_20.solverstate'], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, preexec_fn=limit_file_size(10000))
    assert result.returncode == 1, result.stderr[-3000:]
    line = one_error_line(result.stderr)
    assert line.startswith("caffe: snapshot of iteration 30 failed: cannot write ")
    assert "'snapshots/ts_iter_30.caffemodel': File too large" in line
    assert "the last complete snapshot is 'snapshots/ts_iter_20.solverstate'" in line
    assert 'Training stopped at iteration 30' in result.stderr
    assert snapshot_files(tmp_path) == before  # nothing changed, no temporary file left


def tmpfs_available(folder):
    """Whether a child process may mount a tmpfs in a mount namespace of its own (as root,
    or through a user namespace)."""
    if not shutil.which('unshare'):
        return False
    probe = folder / 'probe'
    probe.mkdir()
    result = subprocess.run(['unshare', '-rm', 'sh', '-c', f'mount -t tmpfs -o size=64k tmpfs {probe}'],
                            capture_output=True, timeout=60)
    probe.rmdir()
    return result.returncode == 0


def in_small_tmpfs(folder, kib, command):
    """Runs command (an argument list) in `folder` with folder/snapshots a tmpfs of `kib`
    KiB in a mount namespace of its own; afterwards the tmpfs's files are copied to
    folder/kept. Returns (exit status, stdout, stderr) of the command."""
    kept = folder / 'kept'
    kept.mkdir()
    script = ('mount -t tmpfs -o size=${KIB}k tmpfs snapshots || exit 99; "$@" >out.txt 2>err.txt; '
              'echo $? >status.txt; cp -a snapshots/. kept/')
    result = subprocess.run(['unshare', '-rm', 'sh', '-c', script, 'sh', *command], cwd=folder,
                            env={**os.environ, 'KIB': str(kib)}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return (int((folder / 'status.txt').read_text()), (folder / 'out.txt').read_text(),
            (folder / 'err.txt').read_text())


def test_caffe_train_on_a_full_disk(tmp_path):
    """Snapshots (a .caffemodel and a .solverstate of 67 KB each) into a 300 KiB tmpfs:
    the disk is full at the third; that write is reported, training stops, and the
    earlier snapshots are those of an unlimited run, byte for byte."""
    if not tmpfs_available(tmp_path):
        pytest.skip('this machine does not let a process mount a tmpfs (no user or mount namespaces)')
    reference = setup_task(tmp_path / 'reference', max_iter=100, snapshot=10, net=BIG_NET)
    result = subprocess.run([require_tool('caffe'), 'train', '-solver=solver.prototxt'], cwd=reference,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    full = setup_task(tmp_path / 'full', max_iter=100, snapshot=10, net=BIG_NET)
    status, _, stderr = in_small_tmpfs(full, 300, [require_tool('caffe'), 'train', '-solver=solver.prototxt'])
    assert status == 1, stderr[-3000:]
    line = one_error_line(stderr)
    m = re.match(r"caffe: snapshot of iteration (\d+) failed: cannot write \d+ bytes to "
                 r"'snapshots/ts_iter_\1\.(caffemodel|solverstate)': No space left on device "
                 r"\(the file is left as it was\); the last complete snapshot is "
                 r"'snapshots/ts_iter_(\d+)\.solverstate'$", line)
    assert m, line
    failed, last = int(m.group(1)), int(m.group(3))
    assert last == failed - 10 and last >= 10
    kept = {p.name: p.read_bytes() for p in (full / 'kept').iterdir()}
    complete = {f'ts_iter_{i}.{kind}' for i in range(10, last + 1, 10) for kind in ('caffemodel', 'solverstate')}
    # the failed snapshot's .caffemodel is there, complete, when its .solverstate failed
    partial = {f'ts_iter_{failed}.caffemodel'} if m.group(2) == 'solverstate' else set()
    assert set(kept) == complete | partial
    for name, data in kept.items():
        assert data == (reference / 'snapshots' / name).read_bytes(), name


# A pycaffe solver snapshots until a write fails (a full disk, or a file-size limit set
# after the first snapshot), then tries to save the weights over existing files; reports
# what happened as JSON.
PYCAFFE_SNAPSHOTS = """
import hashlib, json, os, resource, signal, sys
sys.path[:0] = {path!r}
import caffe
caffe.set_mode_cpu()
solver = caffe.get_solver('solver.prototxt')
def digests():
    return {{n: hashlib.sha256(open(os.path.join('snapshots', n), 'rb').read()).hexdigest()
            for n in sorted(os.listdir('snapshots'))}}
report = {{}}
for k in range(100):
    solver.step(10)
    try:
        solver.snapshot()
    except caffe.FileError as e:
        report['error'] = str(e)
        report['error_type'] = type(e).__name__
        break
    if k == 0:
        solver.net.save_hdf5('snapshots/weights.h5')
    report['written'] = digests()
    if k == 0 and {limit}:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
report['after_snapshot'] = digests()
for name, save in (('save', solver.net.save), ('save_hdf5', solver.net.save_hdf5)):
    try:
        save('snapshots/ts_iter_10.caffemodel' if name == 'save' else 'snapshots/weights.h5')
    except caffe.FileError as e:
        report[name] = str(e)
report['after'] = digests()
print(json.dumps(report))
"""


def check_pycaffe_report(report, reason):
    assert report['error_type'] == 'FileError'
    failed = re.match(r'snapshot of iteration (\d+) failed: cannot write \d+ bytes to '
                      r"'snapshots/ts_iter_\1\.(caffemodel|solverstate)': " + reason, report['error'])
    assert failed, report['error']
    iteration, kind = int(failed.group(1)), failed.group(2)
    assert f"the last complete snapshot is 'snapshots/ts_iter_{iteration - 10}.solverstate'" in report['error']
    # Every earlier file as it was written, no temporary file; the failed snapshot's
    # .caffemodel only when its .solverstate failed.
    new = set(report['after_snapshot']) - set(report['written'])
    assert new == ({f'ts_iter_{iteration}.caffemodel'} if kind == 'solverstate' else set())
    for name, digest in report['written'].items():
        assert report['after_snapshot'][name] == digest, name
    for name in ('save', 'save_hdf5'):
        assert report[name].startswith("cannot write ") and reason in report[name], report[name]
    assert report['after'] == report['after_snapshot']


def test_pycaffe_snapshot_over_a_file_size_limit(tmp_path):
    setup_task(tmp_path, snapshot=0, net=BIG_NET)
    script = PYCAFFE_SNAPSHOTS.format(path=sys.path, limit=10000)
    result = subprocess.run([sys.executable, '-c', script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert sorted(report['written']) == ['ts_iter_10.caffemodel', 'ts_iter_10.solverstate', 'weights.h5']
    check_pycaffe_report(report, 'File too large')


def test_pycaffe_snapshot_on_a_full_disk(tmp_path):
    if not tmpfs_available(tmp_path):
        pytest.skip('this machine does not let a process mount a tmpfs (no user or mount namespaces)')
    setup_task(tmp_path, snapshot=0, net=BIG_NET)
    script = PYCAFFE_SNAPSHOTS.format(path=sys.path, limit=0)
    status, out, err = in_small_tmpfs(tmp_path, 250, [sys.executable, '-c', script])
    assert status == 0, err[-3000:]
    report = json.loads(out.splitlines()[-1])
    assert len(report['written']) >= 3
    check_pycaffe_report(report, 'No space left on device')
