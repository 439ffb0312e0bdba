"""The `caffe` command: train/test/time, resuming, signals, logs that Caffe's log
parsers read, and one-line errors (exit status 1, nothing overwritten) on bad input."""
import importlib.util
import os
import re
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

import caffe
from conftest import FIXTURES, ROOT, require_tool, tool

ROOT, FIXTURES = Path(ROOT), Path(FIXTURES)
CAFFE = tool('caffe')


@pytest.fixture(autouse=True)
def _caffe_built():
    require_tool('caffe')

# A learnable synthetic task: regress the output of a fixed "teacher" layer on random inputs.
NET = """
name: "teacher_student"
layer { name: "data" type: "DummyData" top: "x"
  dummy_data_param { shape { dim: 16 dim: 5 } data_filler { type: "gaussian" std: 1 } } }
layer { name: "teacher" type: "InnerProduct" bottom: "x" top: "target"
  param { lr_mult: 0 } param { lr_mult: 0 }
  inner_product_param { num_output: 3 weight_filler { type: "uniform" min: -1 max: 1 }
                        bias_filler { type: "constant" value: 0.5 } } }
layer { name: "student" type: "InnerProduct" bottom: "x" top: "pred"
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "target" top: "loss" }
"""

SOLVER = """
net: "net.prototxt"
test_iter: 3
test_interval: 40
base_lr: 0.05
momentum: 0.9
lr_policy: "step"
gamma: 0.5
stepsize: 60
display: 20
max_iter: {max_iter}
snapshot: {snapshot}
snapshot_prefix: "snapshots/ts"
random_seed: 1701
solver_mode: CPU
"""

# BVLC Caffe's tools/extra/parse_log.py and extract_seconds.py read these.
RE_ITERATION = re.compile(r'Iteration (\d+)')
RE_TRAIN = re.compile(r'Train net output #(\d+): (\S+) = ([\.\deE+-]+)')
RE_TEST = re.compile(r'Test net output #(\d+): (\S+) = ([\.\deE+-]+)')
RE_LR = re.compile(r'lr = ([-+]?[0-9]*\.?[0-9]+([eE]?[-+]?[0-9]+)?)')
RE_LOSS = re.compile(r'Iteration (\d+), loss = ([\.\deE+-]+)')  # the older parse_log.py


def glog_time(line):
    """What extract_seconds.py does with a line: I<MMDD> <HH:MM:SS.micro> ..."""
    head, stamp = line.split()[:2]
    hms, micro = stamp.rsplit('.', 1)
    h, m, s = (int(v) for v in hms.split(':'))
    return datetime(2000, int(head[1:3]), int(head[3:]), h, m, s, int(micro))


def run(args, cwd, **kw):
    return subprocess.run([CAFFE] + args, cwd=cwd, capture_output=True, text=True, timeout=120, **kw)


def setup_task(tmp_path, max_iter=200, snapshot=100):
    (tmp_path / 'net.prototxt').write_text(NET)
    (tmp_path / 'solver.prototxt').write_text(SOLVER.format(max_iter=max_iter, snapshot=snapshot))
    (tmp_path / 'snapshots').mkdir(exist_ok=True)
    return tmp_path


def parse(log):
    """The rows parse_log.py would produce: (iteration, name, value) for train and test."""
    train, test, lrs, iteration, started = [], [], [], -1, False
    for line in log.splitlines():
        started |= 'Solving' in line
        m = RE_ITERATION.search(line)
        if m:
            iteration = int(m.group(1))
        if iteration == -1:
            continue
        assert started, 'the "Solving" line (the start time for parsers) comes first'
        glog_time(line)  # parsers read a glog timestamp from every line from here on
        for regex, rows in ((RE_TRAIN, train), (RE_TEST, test)):
            m = regex.search(line)
            if m:
                rows.append((iteration, m.group(2), float(m.group(3))))
        m = RE_LR.search(line)
        if m:
            lrs.append((iteration, float(m.group(1))))
    return train, test, lrs


def test_train_loss_falls_and_log_parses(tmp_path):
    setup_task(tmp_path)
    result = run(['train', '-solver=solver.prototxt'], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    log = result.stderr
    assert 'Solving teacher_student' in log and 'Optimization Done.' in log
    train, test, lrs = parse(log)
    losses = [float(v) for _, v in RE_LOSS.findall(log)]
    assert len(losses) >= 10 and losses[-1] < 0.01 * losses[0]
    assert train[0][1] == 'loss' and train[-1][2] < 0.01 * train[0][2]
    assert [it for it, _, _ in test] == [0, 40, 80, 120, 160, 200]
    assert test[-1][2] < 0.01 * test[0][2]
    assert lrs[0] == (0, pytest.approx(0.05)) and lrs[-1] == (180, pytest.approx(0.05 * 0.5 ** 3))
    assert re.search(r'    Train net output #0: loss = \S+ \(\* 1 = \S+ loss\)', log)
    # This project's own parser reads the same log.
    spec = importlib.util.spec_from_file_location('parse_log', ROOT / 'tools' / 'extra' / 'parse_log.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / 'train.log').write_text(log)
    rows, test_rows = module.parse_log(str(tmp_path / 'train.log'))
    assert [r['NumIters'] for r in rows] == list(range(0, 200, 20))
    assert rows[-1]['loss'] < 0.01 * rows[0]['loss']
    assert rows[-1]['LearningRate'] == pytest.approx(0.05 * 0.5 ** 3)
    assert [r['NumIters'] for r in test_rows] == [0, 40, 80, 120, 160, 200]
    for name in ('ts_iter_100', 'ts_iter_200'):
        assert (tmp_path / 'snapshots' / f'{name}.caffemodel').exists()
        assert (tmp_path / 'snapshots' / f'{name}.solverstate').exists()

    # `caffe test` scores the trained weights; caffe.bin is the same program.
    result = run(['test', '--model', 'net.prototxt', '--weights', 'snapshots/ts_iter_200.caffemodel',
                  '-iterations', '4'], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    final = re.findall(r'\] loss = ([\.\deE+-]+) \(\* 1', result.stderr)
    assert len(final) == 1 and float(final[0]) < 0.01 * losses[0]
    same = subprocess.run([require_tool('caffe.bin'), 'fly'], capture_output=True, text=True)
    assert same.returncode == 1 and "caffe: unknown command 'fly'" in same.stderr


def test_resume_matches_an_uninterrupted_run(tmp_path):
    full = tmp_path / 'full'
    full.mkdir()
    setup_task(full)
    assert run(['train', '-solver=solver.prototxt'], full).returncode == 0

    part = tmp_path / 'part'
    part.mkdir()
    setup_task(part, max_iter=120, snapshot=60)
    assert run(['train', '-solver=solver.prototxt'], part).returncode == 0
    setup_task(part, max_iter=200, snapshot=100)
    result = run(['train', '-solver=solver.prototxt', '-snapshot=snapshots/ts_iter_60.solverstate'], part)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'Resuming from snapshots/ts_iter_60.solverstate' in result.stderr
    a = (full / 'snapshots' / 'ts_iter_200.caffemodel').read_bytes()
    b = (part / 'snapshots' / 'ts_iter_200.caffemodel').read_bytes()
    assert a == b


def test_signals_snapshot_and_stop(tmp_path):
    setup_task(tmp_path, max_iter=10**9, snapshot=0)
    solver = tmp_path / 'solver.prototxt'
    solver.write_text(solver.read_text().replace('display: 20', 'display: 0')
                      .replace('test_iter: 3\ntest_interval: 40\n', ''))
    log_path = tmp_path / 'log.txt'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen([CAFFE, 'train', '-solver=solver.prototxt'], cwd=tmp_path,
                                stderr=log, stdout=log)
    try:
        deadline = time.time() + 30
        while 'Solving' not in log_path.read_text() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGHUP)  # default: snapshot and go on
        while 'solver state' not in log_path.read_text() and time.time() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)  # default: stop (and snapshot_after_train)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log_path.read_text()
    assert 'Optimization stopped early.' in text
    states = sorted((tmp_path / 'snapshots').glob('ts_iter_*.solverstate'))
    assert len(states) == 2, text[-2000:]


def bvlc_deploy_one_image(tmp_path, name):
    text = (FIXTURES / name).read_text()
    path = tmp_path / name
    path.write_text(re.sub(r'dim: 10\b', 'dim: 1', text, count=1))
    return path


def test_time_googlenet(tmp_path):
    path = bvlc_deploy_one_image(tmp_path, 'bvlc_googlenet__deploy.prototxt')
    result = run(['time', f'-model={path}', '-iterations=1'], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    log = result.stderr
    assert re.search(r'conv1/7x7_s2\tforward: [\d.e+-]+ ms\.', log)
    assert re.search(r'inception_5b/output\tbackward: [\d.e+-]+ ms\.', log)
    for line in ('Average Forward pass:', 'Average Backward pass:', 'Average Forward-Backward:',
                 'Total Time:', '*** Benchmark ends ***'):
        assert line in log


def test_time_prints_every_layer(tmp_path):
    (tmp_path / 'net.prototxt').write_text("""
name: "tiny"
layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "copy" type: "Split" bottom: "x" top: "a" top: "b" }
""")
    result = run(['time', '-model', 'net.prototxt', '-iterations', '3'], tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'Testing for 3 iterations.' in result.stderr
    for layer in ('data', 'copy'):
        assert re.search(rf'{layer}\tforward: [\d.e+-]+ ms\.', result.stderr)
        assert re.search(rf'{layer}\tbackward: [\d.e+-]+ ms\.', result.stderr)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith('caffe: ')]
    assert len(errors) == 1, result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    for crash in ('Check failed', '*** ', 'terminate called', 'Aborted', 'Traceback'):
        assert crash not in result.stderr


def snapshot_files(path):
    return {p.name: p.read_bytes() for p in sorted((path / 'snapshots').glob('*'))}


def test_missing_solver_file(tmp_path):
    assert_one_line_error(run(['train', '-solver=nowhere.prototxt'], tmp_path),
                          "cannot open 'nowhere.prototxt'")


def test_bad_command_and_flags(tmp_path):
    assert_one_line_error(run(['fly'], tmp_path), "unknown command 'fly'")
    assert_one_line_error(run(['train'], tmp_path), 'needs a solver')
    assert_one_line_error(run(['train', '-solver=s', '-sigint_effect=panic'], tmp_path),
                          '-sigint_effect=panic')


def test_solver_naming_a_missing_net(tmp_path):
    setup_task(tmp_path)
    (tmp_path / 'solver.prototxt').write_text(
        SOLVER.format(max_iter=10, snapshot=5).replace('net.prototxt', 'gone.prototxt'))
    assert_one_line_error(run(['train', '-solver=solver.prototxt'], tmp_path),
                          "cannot open 'gone.prototxt'", 'net')


def test_weights_of_another_network(tmp_path):
    setup_task(tmp_path, max_iter=100, snapshot=100)
    assert run(['train', '-solver=solver.prototxt'], tmp_path).returncode == 0
    before = snapshot_files(tmp_path)
    other = tmp_path / 'other.prototxt'
    other.write_text("""
name: "other"
layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 4 } }
""")
    caffe.Net(str(other), caffe.TEST).save(str(tmp_path / 'other.caffemodel'))
    assert_one_line_error(run(['train', '-solver=solver.prototxt', '-weights=other.caffemodel'], tmp_path),
                          'other.caffemodel', 'another network')
    assert_one_line_error(run(['test', '-model=net.prototxt', '-weights=other.caffemodel'], tmp_path),
                          'another network')
    # Same layer name, different shape: also refused.
    other.write_text(other.read_text().replace('"fc"', '"student"'))
    caffe.Net(str(other), caffe.TEST).save(str(tmp_path / 'other.caffemodel'))
    assert_one_line_error(run(['train', '-solver=solver.prototxt', '-weights=other.caffemodel'], tmp_path),
                          "'student'")
    assert snapshot_files(tmp_path) == before


def test_corrupt_snapshot(tmp_path):
    setup_task(tmp_path, max_iter=100, snapshot=50)
    assert run(['train', '-solver=solver.prototxt'], tmp_path).returncode == 0
    state = tmp_path / 'snapshots' / 'ts_iter_50.solverstate'
    state.write_bytes(state.read_bytes()[:-7])
    before = snapshot_files(tmp_path)
    assert_one_line_error(run(['train', '-solver=solver.prototxt', f'-snapshot={state}'], tmp_path),
                          'ts_iter_50.solverstate', 'not a valid')
    (tmp_path / 'snapshots' / 'ts_iter_100.caffemodel').write_bytes(b'\x0a\xff\xff')
    assert_one_line_error(run(['train', '-solver=solver.prototxt',
                               '-snapshot=snapshots/ts_iter_100.solverstate'], tmp_path),
                          'ts_iter_100.caffemodel')
    assert snapshot_files(tmp_path) == {**before, 'ts_iter_100.caffemodel': b'\x0a\xff\xff'}
    assert_one_line_error(run(['train', '-solver=solver.prototxt', '-snapshot=x.solverstate',
                               '-weights=y.caffemodel'], tmp_path), 'not both')


@pytest.mark.skipif(caffe.has_gpu(), reason='checks the error on machines without a GPU')
def test_gpu_flag_without_gpu(tmp_path):
    setup_task(tmp_path)
    for args in (['train', '-solver=solver.prototxt', '-gpu=0'], ['device_query', '-gpu=all'],
                 ['time', '-model=net.prototxt', '-gpu', '0']):
        assert_one_line_error(run(args, tmp_path), '-gpu=')
