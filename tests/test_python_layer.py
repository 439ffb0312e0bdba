"""Layers of type "Python": caffe.Layer subclasses named by python_param, in nets built
from pycaffe and from the `caffe` command (tests/python_layer_defs.py holds the layers)."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net
from conftest import FIXTURES, ROOT, require_tool

RNG = np.random.RandomState(23)


def python_layer(layer, param_str=''):
    return (f'type: "Python" python_param {{ module: "python_layer_defs" layer: "{layer}" '
            f'param_str: "{param_str}" }}')


def test_python_is_a_registered_type():
    assert 'Python' in caffe.layer_type_list()


def test_forward_matches_numpy_and_gradient_matches_finite_differences():
    x = RNG.randn(2, 3, 4)
    net = layer_net(python_layer('ScaledProduct', '0.5'), {'x': x})
    net.forward()
    w = 1 + np.arange(3) / 10.0
    np.testing.assert_allclose(net.blobs['out'].data, 0.5 * w[None, :, None] * x, rtol=1e-12)
    # Gradients to x and to the layer's own blob, against central differences (float64).
    check_gradient(python_layer('ScaledProduct', '0.5'), {'x': x})


def test_layer_object_attributes_and_net_layers():
    net = layer_net(python_layer('ScaledProduct', '2'), {'x': RNG.randn(2, 3)})
    layer = net.layers[list(net._layer_names).index('layer')]
    assert isinstance(layer, caffe.Layer) and type(layer).__name__ == 'ScaledProduct'
    assert layer.type == 'Python' and layer.param_str == '2' and layer.s == 2.0
    assert layer.phase == caffe.TRAIN
    assert net.layer_dict['layer'] is layer
    assert len(layer.blobs) == 1 and net.params['layer'][0].data.shape == (3,)
    # The compiled layers stay caffe.CppLayer objects.
    assert not isinstance(net.layers[0], caffe.Layer) and net.layers[0].type == 'Input'


def test_phase_attribute():
    for phase in (caffe.TRAIN, caffe.TEST):
        net = caffe.Net.from_string(
            'layer { name: "p" top: "phase" ' + python_layer('Phase') + ' }', phase)
        assert net.forward()['phase'] == phase


def test_parameters_are_saved_loaded_and_shared(tmp_path):
    x = RNG.randn(2, 3)
    net = layer_net(python_layer('ScaledProduct'), {'x': x})
    net.params['layer'][0].data[...] = [5, 6, 7]
    path = str(tmp_path / 'w.caffemodel')
    net.save(path)
    other = layer_net(python_layer('ScaledProduct'), {'x': x})
    other.copy_from(path)
    np.testing.assert_array_equal(other.params['layer'][0].data, [5, 6, 7])
    third = layer_net(python_layer('ScaledProduct'), {'x': x})
    third.share_with(net)
    net.params['layer'][0].data[0] = -1
    assert third.params['layer'][0].data[0] == -1


@pytest.mark.parametrize('where', ['setup', 'reshape', 'forward', 'backward'])
def test_exception_names_the_layer_and_carries_the_traceback(where):
    x = RNG.randn(2, 3)
    text = python_layer('RaiseIn', where)
    with pytest.raises(caffe.CaffeError) as info:
        net = layer_net(text, {'x': x})
        net.forward()
        net.backward()
    message = str(info.value)
    assert message.startswith("layer 'layer' (Python): ")
    assert f'deliberate failure in {where}' in message
    assert 'Traceback (most recent call last)' in message and 'python_layer_defs.py' in message
    assert isinstance(info.value.__cause__, ValueError)
    assert isinstance(info.value, RuntimeError)  # BVLC's tests expect a RuntimeError
    # The process goes on: the same definition without the failure still works.
    net = layer_net(python_layer('RaiseIn', 'nowhere'), {'x': x})
    np.testing.assert_array_equal(net.forward()['out'], x)


def test_keyboard_interrupt_in_a_python_layer_stays_one():
    net = layer_net(python_layer('RaiseIn', 'interrupt forward'), {'x': RNG.randn(2, 3)})
    with pytest.raises(KeyboardInterrupt):
        net.forward()


def test_missing_module_class_and_methods_are_clear_errors():
    with pytest.raises(caffe.CaffeError, match=r"cannot load class 'X' from module "
                                               r"'no_such_module_here'.*PYTHONPATH"):
        layer_net('type: "Python" python_param { module: "no_such_module_here" layer: "X" }',
                  {'x': np.zeros((1, 2))})
    with pytest.raises(caffe.ParseError, match='python_param needs `module`'):
        layer_net('type: "Python"', {'x': np.zeros((1, 2))})
    with pytest.raises(caffe.CaffeError, match=r'NoMethods must define reshape'):
        layer_net(python_layer('NoMethods'), {'x': np.zeros((1, 2))})


def test_blobs_of_a_deleted_net_raise_instead_of_reading_freed_memory():
    net = layer_net(python_layer('ScaledProduct'), {'x': RNG.randn(2, 3)})
    layer = net.layers[1]
    del net
    with pytest.raises(caffe.CaffeError, match='no longer exists'):
        len(layer.blobs)


def test_forward_from_another_python_thread():
    # The GIL is released around the net's pass and taken by the Python layer.
    x = RNG.randn(2, 3)
    net = layer_net(python_layer('ScaledProduct'), {'x': x})
    out = {}
    worker = threading.Thread(target=lambda: out.update(net.forward()))
    worker.start()
    worker.join()
    np.testing.assert_allclose(out['out'], x * (1 + np.arange(3) / 10.0))


# ---- BVLC's linear regression example: a loss layer written in Python ----------------------
PYLOSS_DIR = os.path.join(ROOT, 'examples', 'pycaffe', 'layers')
LINREG = os.path.join(FIXTURES, 'pycaffe__linreg.prototxt')


def linreg_solver(tmp_path, max_iter=40):
    path = tmp_path / 'linreg_solver.prototxt'
    path.write_text(f'net: "{LINREG}"\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: "fixed"\n'
                    f'display: 10\nmax_iter: {max_iter}\nrandom_seed: 3\n'
                    f'snapshot_prefix: "{tmp_path}/linreg"\nsnapshot_after_train: false\n')
    return str(path)


@pytest.fixture
def pyloss_on_path():
    sys.path.insert(0, PYLOSS_DIR)
    yield
    sys.path.remove(PYLOSS_DIR)


def test_linreg_trains_from_pycaffe(tmp_path, pyloss_on_path):
    solver = caffe.SGDSolver(linreg_solver(tmp_path))
    net = solver.net
    net.forward()
    # The Python loss against numpy on the net's own blobs.
    ipx, ipy = net.blobs['ipx'].data, net.blobs['ipy'].data
    expected = np.sum((ipx - ipy) ** 2) / ipx.shape[0] / 2
    first = float(net.blobs['loss'].data[0])
    assert abs(first - expected) < 1e-5 * max(1, expected)
    solver.step(40)
    # DummyData refills with new noise each iteration, so compare the loss on one batch.
    assert solver.iter == 40
    assert float(solver.smoothed_loss) < first


def run_caffe(args, extra_pythonpath, tmp_path):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.join(ROOT, 'python')] + extra_pythonpath + [env.get('PYTHONPATH', '')])
    return subprocess.run([require_tool('caffe')] + args, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)


def test_linreg_trains_from_caffe_train(tmp_path):
    result = run_caffe(['train', f'-solver={linreg_solver(tmp_path)}'], [PYLOSS_DIR], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Python layers enabled' in result.stderr
    losses = [float(line.rsplit('=', 1)[1]) for line in result.stderr.splitlines()
              if '] Iteration' in line and ', loss = ' in line]
    assert len(losses) >= 4 and losses[-1] < losses[0], losses


def test_caffe_train_reports_a_raising_python_layer_and_exits_1(tmp_path):
    net = tmp_path / 'net.prototxt'
    net.write_text('layer { name: "x" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 '
                   'dim: 3 } data_filler { type: "gaussian" } } }\n'
                   'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" '
                   'inner_product_param { num_output: 2 } }\n'
                   'layer { name: "bad" bottom: "ip" top: "y" '
                   + python_layer('RaiseIn', 'backward') + ' }\n'
                   'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "ip" top: "l" }\n')
    solver = tmp_path / 'solver.prototxt'
    solver.write_text(f'net: "{net}"\nbase_lr: 0.1\nmax_iter: 3\nlr_policy: "fixed"\n'
                      f'snapshot_prefix: "{tmp_path}/s"\nsnapshot_after_train: false\n')
    result = run_caffe(['train', f'-solver={solver}'], [os.path.dirname(__file__)], tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("caffe: layer 'bad' (Python): python_layer_defs.RaiseIn.backward() "
                           "raised an exception"), last
    assert 'ValueError: deliberate failure in backward' in last


def test_pyloss_gradient_through_the_linreg_net(pyloss_on_path, tmp_path):
    # linreg.prototxt with fixed inputs, in float64: the gradients that the Python loss
    # sends through both InnerProduct layers match central differences of the loss.
    text = open(LINREG).read()
    text = text.replace("type: 'DummyData'", "type: 'Input'").replace(
        'dummy_data_param', 'input_param').replace("data_filler: { type: 'gaussian' }", '')
    path = tmp_path / 'linreg_fixed.prototxt'
    path.write_text(text)
    caffe.set_random_seed(1)
    net = caffe.Net(str(path), caffe.TRAIN, dtype=np.float64)
    rng = np.random.RandomState(4)
    net.blobs['x'].data[...] = rng.randn(*net.blobs['x'].data.shape)
    net.blobs['y'].data[...] = rng.randn(*net.blobs['y'].data.shape)

    def loss():
        return float(net.forward()['loss'][0])
    loss()
    net.clear_param_diffs()
    net.backward()
    for name in ('ipx', 'ipy'):
        w = net.params[name][0]
        analytic = w.diff.copy()
        for idx in [(0, 0), (3, 5), (9, 1)]:
            old = w.data[idx]
            w.data[idx] = old + 1e-6
            up = loss()
            w.data[idx] = old - 1e-6
            down = loss()
            w.data[idx] = old
            np.testing.assert_allclose(analytic[idx], (up - down) / 2e-6, rtol=1e-5, atol=1e-8)
