"""Net construction rules: phases/levels/stages, legacy inputs, in-place layers, splits,
which layers run backward, loss weights, parameter sharing, partial forward/backward."""

import numpy as np
import pytest

import caffe

IP = 'type: "InnerProduct" inner_product_param {{ num_output: {n} weight_filler {{ type: "gaussian" std: 0.5 }} bias_filler {{ type: "gaussian" std: 0.5 }} }}'


def write(tmp_path, text, name='net.prototxt'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


RULES = '''
name: "rules"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "train_only" type: "ReLU" bottom: "x" top: "a" include { phase: TRAIN } }
layer { name: "not_test" type: "ReLU" bottom: "x" top: "b" exclude { phase: TEST } }
layer { name: "level2" type: "ReLU" bottom: "x" top: "c" include { min_level: 2 } }
layer { name: "deploy" type: "ReLU" bottom: "x" top: "d" include { stage: "deploy" } }
layer { name: "not_deploy" type: "ReLU" bottom: "x" top: "e" include { not_stage: "deploy" } }
'''


def test_phase_level_stage_rules(tmp_path):
    path = write(tmp_path, RULES)
    train = caffe.Net(path, caffe.TRAIN)
    assert train._layer_names[1:] == ['x_in_0_split', 'train_only', 'not_test', 'not_deploy']
    test = caffe.Net(path, caffe.TEST)
    assert test._layer_names[1:] == ['x_in_0_split', 'not_deploy'] or \
        test._layer_names[1:] == ['not_deploy']
    lvl = caffe.Net(path, caffe.TEST, level=2, stages=['deploy'])
    assert [n for n in lvl._layer_names if 'split' not in n] == ['in', 'level2', 'deploy']


def test_legacy_inputs_input_dim_and_input_shape():
    net = caffe.Net.from_string('input: "a" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 4\n'
                                'input: "b" input_dim: 5 input_dim: 6 input_dim: 1 input_dim: 1',
                                caffe.TEST)
    assert net.inputs == ['a', 'b']
    assert net.blobs['a'].shape == (1, 2, 3, 4) and net.blobs['b'].shape == (5, 6, 1, 1)
    net = caffe.Net.from_string('input: "t" input_shape { dim: 3 dim: 2 }', caffe.TEST)
    assert net.blobs['t'].shape == (3, 2)
    with pytest.raises(caffe.ParseError, match='input_dim'):
        caffe.Net.from_string('input: "a" input_dim: 1 input_dim: 2', caffe.TEST)


def test_in_place_layer_shares_the_blob():
    net = caffe.Net.from_string('''
        input: "x" input_shape { dim: 2 dim: 4 }
        layer { name: "relu" type: "ReLU" bottom: "x" top: "x" }''', caffe.TEST)
    assert list(net.blobs) == ['x']
    net.blobs['x'].data[...] = [[-1, 2, -3, 4], [5, -6, 7, -8]]
    out = net.forward()
    np.testing.assert_array_equal(out['x'], [[0, 2, 0, 4], [5, 0, 7, 0]])


SPLIT_NET = f'''
name: "split"
force_backward: true
layer {{ name: "in" type: "Input" top: "x" top: "t" input_param {{ shape {{ dim: 3 dim: 4 }} shape {{ dim: 3 dim: 2 }} }} }}
layer {{ name: "ip1" bottom: "x" top: "h" {IP.format(n=2)} }}
layer {{ name: "ip2" bottom: "x" top: "g" {IP.format(n=2)} }}
layer {{ name: "sum" type: "Eltwise" bottom: "h" bottom: "g" bottom: "h" top: "s" }}
layer {{ name: "loss" type: "EuclideanLoss" bottom: "s" bottom: "t" top: "loss" loss_weight: 3 }}
'''


def numpy_split_loss(x, t, W1, b1, W2, b2):
    s = 2 * (x @ W1.T + b1) + (x @ W2.T + b2)
    return 3 * np.sum((s - t) ** 2) / (2 * x.shape[0])


def test_split_insertion_and_gradients_against_numpy():
    caffe.set_random_seed(3)
    net = caffe.Net.from_string(SPLIT_NET, caffe.TRAIN, dtype=np.float64)
    assert any(n.endswith('_split') for n in net._layer_names)
    rng = np.random.RandomState(0)
    x, t = rng.randn(3, 4), rng.randn(3, 2)
    net.blobs['x'].data[...] = x
    net.blobs['t'].data[...] = t
    W1, b1 = (p.data.copy() for p in net.params['ip1'])
    W2, b2 = (p.data.copy() for p in net.params['ip2'])
    loss = float(net.forward()['loss'])
    assert loss == pytest.approx(numpy_split_loss(x, t, W1, b1, W2, b2), rel=1e-12)
    net.backward()
    eps = 1e-6
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        num[i] = (numpy_split_loss(xp, t, W1, b1, W2, b2) -
                  numpy_split_loss(xm, t, W1, b1, W2, b2)) / (2 * eps)
    np.testing.assert_allclose(net.blobs['x'].diff, num, rtol=1e-6, atol=1e-9)
    # weight gradient of ip1: d/dW1 = 3/N * 2 * (s - t)^T x
    s = 2 * (x @ W1.T + b1) + (x @ W2.T + b2)
    np.testing.assert_allclose(net.params['ip1'][0].diff, 3 * 2 * (s - t).T @ x / 3, rtol=1e-9)


def test_loss_weight_scales_loss():
    net = caffe.Net.from_string(SPLIT_NET.replace('loss_weight: 3', 'loss_weight: 1'), caffe.TRAIN)
    net3 = caffe.Net.from_string(SPLIT_NET, caffe.TRAIN)
    net3.share_with(net)
    for n in (net, net3):
        n.blobs['x'].data[...] = 1
        n.blobs['t'].data[...] = 0.5
    assert float(net3.forward()['loss']) == pytest.approx(3 * float(net.forward()['loss']), rel=1e-5)


def test_backward_skips_layers_that_need_none():
    text = f'''
    layer {{ name: "in" type: "Input" top: "x" top: "t" input_param {{ shape {{ dim: 2 dim: 3 }} shape {{ dim: 2 dim: 2 }} }} }}
    layer {{ name: "frozen" bottom: "x" top: "h" param {{ lr_mult: 0 }} param {{ lr_mult: 0 }} {IP.format(n=3)} }}
    layer {{ name: "ip" bottom: "h" top: "y" {IP.format(n=2)} }}
    layer {{ name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }}
    layer {{ name: "side" bottom: "x" top: "z" {IP.format(n=2)} }}'''
    net = caffe.Net.from_string(text, caffe.TRAIN)
    need = dict(zip(net._layer_names, net._net._layer_need_backward))
    assert need['frozen'] is False and need['ip'] is True and need['loss'] is True
    assert need['side'] is False          # its output feeds no loss
    assert net.outputs == ['loss', 'z']


def test_parameter_sharing_by_name():
    text = f'''
    force_backward: true
    layer {{ name: "in" type: "Input" top: "a" top: "b" input_param {{ shape {{ dim: 2 dim: 3 }} }} }}
    layer {{ name: "ip_a" bottom: "a" top: "ya" param {{ name: "w" }} param {{ name: "bias" }} {IP.format(n=4)} }}
    layer {{ name: "ip_b" bottom: "b" top: "yb" param {{ name: "w" }} param {{ name: "bias" }} {IP.format(n=4)} }}'''
    net = caffe.Net.from_string(text, caffe.TRAIN)
    wa, wb = net.params['ip_a'][0], net.params['ip_b'][0]
    wa.data[...] = 7
    assert np.all(wb.data == 7)
    mism = text.rsplit('num_output: 4', 1)
    mism = mism[0] + 'num_output: 5' + mism[1]
    with pytest.raises(caffe.ShapeError, match="shared parameter 'w'"):
        caffe.Net.from_string(mism, caffe.TRAIN)


def test_forward_and_backward_ranges():
    text = '''
    force_backward: true
    input: "x" input_shape { dim: 1 dim: 3 }
    layer { name: "p1" type: "Power" bottom: "x" top: "y" power_param { scale: 2 } }
    layer { name: "p2" type: "Power" bottom: "y" top: "z" power_param { shift: 1 } }'''
    net = caffe.Net.from_string(text, caffe.TEST)
    net.blobs['x'].data[...] = [1, 2, 3]
    out = net.forward(end='p1')
    assert list(out) == ['y']
    np.testing.assert_array_equal(out['y'], [[2, 4, 6]])
    assert np.all(net.blobs['z'].data == 0)
    net.blobs['y'].data[...] = 10
    np.testing.assert_array_equal(net.forward(start='p2')['z'], [[11, 11, 11]])
    net.blobs['z'].diff[...] = 1
    grads = net.backward(start='p2', end='p2')
    np.testing.assert_array_equal(grads['y'], [[1, 1, 1]])
    np.testing.assert_array_equal(net.backward(z=np.full((1, 3), 2.0))['x'], [[4, 4, 4]])
    with pytest.raises(KeyError, match='nope'):
        net.forward(end='nope')


def test_bad_definitions_raise_clear_errors():
    with pytest.raises(caffe.ParseError, match="reads bottom 'missing'"):
        caffe.Net.from_string('input: "x" input_shape { dim: 1 }\n'
                              'layer { name: "r" type: "ReLU" bottom: "missing" top: "y" }', caffe.TEST)
    with pytest.raises(caffe.ParseError, match="unknown type 'Frobnicate'.*Convolution"):
        caffe.Net.from_string('layer { name: "f" type: "Frobnicate" }', caffe.TEST)
    with pytest.raises(caffe.ParseError, match='already produced'):
        caffe.Net.from_string('input: "x" input_shape { dim: 1 }\ninput: "y" input_shape { dim: 1 }\n'
                              'layer { name: "r" type: "ReLU" bottom: "x" top: "y" }', caffe.TEST)
    with pytest.raises(caffe.FileError, match='cannot open'):
        caffe.Net('/no/such/net.prototxt', caffe.TEST)
