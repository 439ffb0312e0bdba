"""BVLC's reference deploy nets build in pycaffe and run forward and backward."""
import os
import re

import numpy as np
import pytest

import caffe
from conftest import FIXTURES

DEPLOY = ['mnist__lenet.prototxt', 'bvlc_alexnet__deploy.prototxt',
          'bvlc_googlenet__deploy.prototxt']


@pytest.mark.parametrize('name', DEPLOY)
def test_deploy_net_forward_backward(tmp_path, name):
    src = os.path.join(FIXTURES, name)
    text = open(src).read()
    # One image per batch keeps the test quick on two cores.
    text = re.sub(r'dim: (10|64)\b', 'dim: 1', text, count=1)
    text = 'force_backward: true\n' + text
    path = tmp_path / name
    path.write_text(text)
    caffe.set_random_seed(0)
    net = caffe.Net(str(path), caffe.TEST)
    data = net.inputs[0]
    rng = np.random.RandomState(0)
    # Deploy files may give no fillers (all-zero weights): set scaled random weights.
    for params in net.params.values():
        for p in params:
            fan_in = max(1, p.data[0].size) if p.data.ndim > 1 else 1
            p.data[...] = rng.normal(0, np.sqrt(2.0 / fan_in), p.data.shape)
    net.blobs[data].data[...] = rng.uniform(-1, 1, net.blobs[data].data.shape)
    out = net.forward()
    (prob,) = out.values()
    assert prob.shape[0] == 1
    np.testing.assert_allclose(prob.sum(axis=1), 1, rtol=1e-4)   # softmax outputs
    top = net.outputs[0]
    net.blobs[top].diff[...] = rng.uniform(-1, 1, net.blobs[top].diff.shape)
    grads = net.backward()
    g = grads[data]
    assert g.shape == net.blobs[data].data.shape
    assert np.all(np.isfinite(g)) and np.abs(g).sum() > 0
