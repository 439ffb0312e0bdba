import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
if os.path.join(ROOT, 'python') not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, 'python'))

FIXTURES = os.path.join(os.path.dirname(ROOT), 'shared', 'fixtures', 'bvlc')


@pytest.fixture(autouse=True)
def _cpu_mode():
    import caffe
    caffe.set_mode_cpu()
    yield
    caffe.set_mode_cpu()
