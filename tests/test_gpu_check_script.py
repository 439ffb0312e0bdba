"""scripts/gpu-check on a machine without a GPU says so and stops, successfully."""
import subprocess

import pytest

import caffe
from conftest import ROOT


@pytest.mark.skipif(caffe.has_gpu(), reason='with a GPU the script builds and runs the whole '
                    'GPU check (minutes): run scripts/gpu-check itself')
def test_gpu_check_without_gpu(tmp_path):
    out = subprocess.run(['bash', f'{ROOT}/scripts/gpu-check'], capture_output=True, text=True,
                         env={'PATH': '/usr/bin:/bin', 'GPU_CHECK_OUT': str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert 'no GPU is present' in out.stdout
