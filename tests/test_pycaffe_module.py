"""Module-level pycaffe functions BVLC users call: Timer, init_log / log, has_nccl,
__version__, solver count and rank."""
import os
import subprocess
import sys

import numpy as np
import pytest

import caffe
from conftest import ROOT


def test_version_and_nccl():
    assert caffe.__version__ == '1.0.0'
    assert caffe.has_nccl() is False


def test_timer():
    t = caffe.Timer()
    assert not t.running and t.ms == 0
    t.start()
    assert t.running
    sum(range(1000))
    t.stop()
    elapsed = t.ms
    assert not t.running and elapsed >= 0 and t.ms == elapsed  # frozen once stopped


def test_log_writes_glog_lines():
    code = ('import caffe; caffe.init_log(0); caffe.log("hello from python"); '
            'caffe.init_log(1); caffe.log("not shown")')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'python')), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [l for l in result.stderr.splitlines() if 'hello from python' in l]
    assert len(lines) == 1 and lines[0].startswith('I') and '] hello from python' in lines[0]
    assert 'not shown' not in result.stderr


def test_solver_rank_offsets_the_seed(tmp_path):
    net = tmp_path / 'net.prototxt'
    net.write_text('layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } } }\n'
                   'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" '
                   'inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }\n')

    def first_weights(seed, rank):
        solver = tmp_path / f'solver{seed}_{rank}.prototxt'
        solver.write_text(f'net: "{net}"\nbase_lr: 0.1\nrandom_seed: {seed}\n')
        caffe.set_solver_count(2)
        caffe.set_solver_rank(rank)
        try:
            return caffe.SGDSolver(str(solver)).net.params['ip'][0].data.copy()
        finally:
            caffe.set_solver_rank(0)
            caffe.set_solver_count(1)
    np.testing.assert_array_equal(first_weights(10, 1), first_weights(11, 0))
    assert not np.array_equal(first_weights(10, 1), first_weights(10, 0))


def test_solver_rank_is_checked():
    assert caffe.solver_count() == 1 and caffe.solver_rank() == 0
    with pytest.raises(caffe.CaffeError, match=r'solver rank 1 is outside \[0, solver count 1\)'):
        caffe.set_solver_rank(1)
    with pytest.raises(caffe.CaffeError, match='at least 1'):
        caffe.set_solver_count(0)
    assert caffe.solver_rank() == 0
