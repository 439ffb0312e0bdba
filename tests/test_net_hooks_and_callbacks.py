"""Net.before_forward / after_forward / before_backward / after_backward hooks,
Solver.add_callback, Net.clear_param_diffs and Net.forward_backward_all."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import layer_net

RNG = np.random.RandomState(8)

NET = '''name: "hooks" force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 3 dim: 4 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y"
  inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "relu" type: "ReLU" bottom: "y" top: "z" }
'''


def test_hooks_run_around_each_layer_in_order():
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    calls = []
    net.before_forward(lambda i: calls.append(('bf', i)))
    net.after_forward(lambda i: calls.append(('af', i)))
    net.before_backward(lambda i: calls.append(('bb', i)))
    net.after_backward(lambda i: calls.append(('ab', i)))
    net.forward()
    assert calls == [('bf', 0), ('af', 0), ('bf', 1), ('af', 1), ('bf', 2), ('af', 2)]
    calls.clear()
    net.backward()
    assert calls == [('bb', 2), ('ab', 2), ('bb', 1), ('ab', 1), ('bb', 0), ('ab', 0)]


def test_hook_sees_the_layer_output():
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    seen = {}
    net.after_forward(lambda i: seen.setdefault(net._layer_names[i],
                                                 net.blobs['y'].data.copy()))
    out = net.forward(x=RNG.randn(3, 4))
    np.testing.assert_array_equal(seen['ip'], out['z'] + np.minimum(seen['ip'], 0))


def test_hook_exception_is_raised_with_its_cause():
    net = caffe.Net.from_string(NET, caffe.TRAIN)

    def fail(i):
        raise KeyError(f'hook failed at {i}')
    net.before_forward(fail)
    with pytest.raises(caffe.CaffeError, match=r"(?s)net hook before_forward.*KeyError") as info:
        net.forward()
    assert isinstance(info.value.__cause__, KeyError)


def test_clear_param_diffs():
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    net.params['ip'][0].data[...] = 1  # positive inputs stay positive through the ReLU
    net.forward(x=np.abs(RNG.randn(3, 4)) + 1)
    net.blobs['z'].diff[...] = 1
    net.backward()
    assert np.abs(net.params['ip'][0].diff).sum() > 0
    net.clear_param_diffs()
    assert not net.params['ip'][0].diff.any() and not net.params['ip'][1].diff.any()


def test_forward_backward_all_matches_numpy():
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    w, b = net.params['ip'][0].data, net.params['ip'][1].data
    x = RNG.randn(7, 4).astype(np.float32)  # 7 items in batches of 3: the last one padded
    dz = RNG.randn(7, 2).astype(np.float32)
    outs, diffs = net.forward_backward_all(x=x, z=dz)
    y = x @ w.T + b
    np.testing.assert_allclose(outs['z'], np.maximum(y, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(diffs['x'], (dz * (y > 0)) @ w, rtol=1e-5, atol=1e-6)
    assert outs['z'].shape == (7, 2) and diffs['x'].shape == (7, 4)
    with pytest.raises(KeyError, match='neither inputs'):
        net.forward_backward_all(q=x)


SOLVER_NET = NET.replace('force_backward: true', '') + \
    'layer { name: "target" type: "Input" top: "t" input_param { shape { dim: 3 dim: 2 } } }\n' \
    'layer { name: "loss" type: "EuclideanLoss" bottom: "z" bottom: "t" top: "l" }\n'


def make_solver(tmp_path):
    net = tmp_path / 'net.prototxt'
    net.write_text(SOLVER_NET)
    solver_file = tmp_path / 'solver.prototxt'
    solver_file.write_text(f'net: "{net}"\nbase_lr: 0.1\nlr_policy: "fixed"\nmax_iter: 10\n'
                           f'snapshot_prefix: "{tmp_path}/s"\n')
    solver = caffe.SGDSolver(str(solver_file))
    solver.net.params['ip'][0].data[...] = 0.5  # with positive inputs, the ReLU passes all
    solver.net.blobs['x'].data[...] = np.abs(RNG.randn(3, 4)) + 1
    solver.net.blobs['t'].data[...] = RNG.randn(3, 2)
    return solver


def test_solver_callbacks_run_each_iteration(tmp_path):
    solver = make_solver(tmp_path)
    events, weights, grads = [], [], []

    def on_start():
        events.append(('start', solver.iter))
        weights.append(solver.net.params['ip'][0].data.copy())

    def on_gradients_ready():
        events.append(('ready', solver.iter))
        grads.append(solver.net.params['ip'][0].diff.copy())
    solver.add_callback(on_start, on_gradients_ready)
    solver.step(2)
    assert events == [('start', 0), ('ready', 0), ('start', 1), ('ready', 1)]
    # The gradients seen by on_gradients_ready are the ones the update applies (plain SGD:
    # no momentum, no weight decay): w1 = w0 - lr * g0.
    assert np.abs(grads[0]).sum() > 0
    np.testing.assert_allclose(weights[1], weights[0] - 0.1 * grads[0], rtol=1e-5, atol=1e-7)


def test_solver_callback_exception_is_raised_with_its_cause(tmp_path):
    solver = make_solver(tmp_path)

    def boom():
        raise ArithmeticError('stop here')
    solver.add_callback(boom, lambda: None)
    with pytest.raises(caffe.CaffeError, match='solver callback on_start') as info:
        solver.step(1)
    assert isinstance(info.value.__cause__, ArithmeticError)
