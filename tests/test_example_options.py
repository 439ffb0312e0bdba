"""The training examples refuse a count that is not a whole number above 0 (iterations,
images, batch, threads) on their command line, naming the option, before they make data
or start `caffe train` (a zero or negative count used to reach the solver or numpy and fail
there with a message about stepvalues or array dimensions)."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

CASES = [
    ('examples/cluttered_mnist/quick.py', '--iters', '-3'),
    ('examples/cluttered_mnist/quick.py', '--train', '0'),
    ('examples/cluttered_mnist/train_all.py', '--iters', '-1'),
    ('examples/cluttered_mnist/train_all.py', '--threads', '0'),
    ('examples/recurrent_st/train_all.py', '--iters-rnn', '0'),
    ('examples/recurrent_st/train_all.py', '--batch', 'many'),
    ('examples/document_localization/run.py', '--train', '0'),
    ('examples/document_localization/run.py', '--iters', '-2'),
    ('examples/document_orientation/run.py', '--samples', '0'),
    ('examples/rotation/run.py', '--iters', '0'),
]


@pytest.mark.parametrize('script,option,value', CASES)
def test_a_count_below_one_is_refused_by_name(tmp_path, script, option, value):
    out = tmp_path / 'out'
    data = tmp_path / 'data'
    # train_all.py of cluttered_mnist makes its sets under data/ and takes no --data
    folders = ['--out', str(out)] + ([] if script.endswith('cluttered_mnist/train_all.py')
                                     else ['--data', str(data)])
    result = subprocess.run([sys.executable, os.path.join(ROOT, script), option, value]
                            + folders,
                            capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"argument {option}: '{value}' is not a whole number above 0" in result.stderr
    assert not out.exists() and not data.exists()
