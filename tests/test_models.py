"""models/: every file parses (Python and C++ alike), the generated files are exactly what
models/generate.py writes, they agree with BVLC's own definitions of the same networks
(tests/fixtures/bvlc), every net builds in each phase it has and runs forward on a small
batch with the blob shapes the architectures are known for, and the solvers build (the
small ones also take training steps)."""
import glob
import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from google.protobuf import text_format

import caffe
from caffe.proto import caffe_pb2
from conftest import FIXTURES, ROOT

MODELS = os.path.join(ROOT, 'models')
FILES = sorted(os.path.relpath(p, ROOT)
               for p in glob.glob(os.path.join(MODELS, '**', '*.prototxt'), recursive=True))
HAND_WRITTEN = {'models/st_cat/st_train.prototxt', 'models/st_cat/st_affine.prototxt'}
TRAIN_FILE = {'lenet': 'train_test', 'cifar10_quick': 'train_test', 'caffenet': 'train_val',
              'googlenet': 'train_val'}
# The document nets (regression, tested in test_document_models.py) and the data file
# that generate.py writes beside them.
DOCUMENT_MODELS = ('document_orientation', 'document_orientation_googlenet', 'document_rotation')
GENERATED_DATA = {'models/document_rotation/probe.txt'}

# Blob shapes (without the batch axis) that the published architectures have.
SHAPES = {
    'lenet': {'pool1': (20, 12, 12), 'pool2': (50, 4, 4), 'ip1': (500,), 'ip2': (10,)},
    'cifar10_quick': {'pool1': (32, 16, 16), 'pool2': (32, 8, 8), 'pool3': (64, 4, 4),
                      'ip1': (64,), 'ip2': (10,)},
    'caffenet': {'conv1': (96, 55, 55), 'norm2': (256, 13, 13), 'pool5': (256, 6, 6),
                 'fc7': (4096,), 'fc8': (1000,)},
    'googlenet': {'pool2/3x3_s2': (192, 28, 28), 'inception_3a/output': (256, 28, 28),
                  'inception_4e/output': (832, 14, 14), 'inception_5b/output': (1024, 7, 7),
                  'pool5/7x7_s1': (1024, 1, 1), 'loss3/classifier': (1000,)},
}
AUXILIARY_SHAPES = {'loss1/ave_pool': (512, 4, 4), 'loss2/ave_pool': (528, 4, 4),
                    'loss1/classifier': (1000,), 'loss2/classifier': (1000,)}


def path(rel):
    return os.path.join(ROOT, rel)


def read(rel, message):
    with open(path(rel)) as f:
        text_format.Merge(f.read(), message)
    return message


def read_net(rel):
    return read(rel, caffe_pb2.NetParameter())


def is_solver(rel):
    return os.path.basename(rel).startswith('solver')


def generator():
    spec = importlib.util.spec_from_file_location('models_generate',
                                                  os.path.join(MODELS, 'generate.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the files -----------------------------------------------------------------------------

def test_models_folder_holds_the_expected_files():
    expected = {f'models/{m}/{kind}.prototxt' for m, train in TRAIN_FILE.items()
                for kind in (train, 'deploy', 'solver')}
    expected |= {f'models/{m}/{kind}.prototxt' for m in DOCUMENT_MODELS
                 for kind in ('train_test', 'deploy', 'solver')}
    assert set(FILES) == expected | HAND_WRITTEN
    assert all(os.path.exists(path(rel)) for rel in GENERATED_DATA)


def test_generated_files_are_up_to_date():
    rendered = generator().render()
    assert set(rendered) == (set(FILES) - HAND_WRITTEN) | GENERATED_DATA
    for rel, text in rendered.items():
        with open(path(rel)) as f:
            assert f.read() == text, f'{rel} differs from models/generate.py: rerun it'
    done = subprocess.run([sys.executable, os.path.join(MODELS, 'generate.py'), '--check'],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and '0 file(s) differ' in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize('rel', FILES)
def test_file_parses_in_python_and_cpp(rel):
    kind = 'solver' if is_solver(rel) else 'net'
    msg = read(rel, caffe_pb2.SolverParameter() if kind == 'solver' else caffe_pb2.NetParameter())
    with open(path(rel)) as f:
        from_cpp = type(msg).FromString(caffe._caffe._parse_text(f.read(), kind))
    assert from_cpp == msg
    if kind == 'solver':  # the net, named relative to the repository root, is in models/
        assert msg.net in FILES and not is_solver(msg.net)
        assert msg.snapshot_prefix.startswith(os.path.dirname(rel) + '/')


def without_local_paths(net, fillers=False):
    """Drops what may differ from BVLC's file: data locations (and, for deploy nets, which
    BVLC wrote with other fillers, the fillers: deploy weights come from a .caffemodel)."""
    for layer in net.layer:
        layer.data_param.ClearField('source')
        layer.transform_param.ClearField('mean_file')
        for field in ('data_param', 'transform_param'):
            if getattr(layer, field).ByteSize() == 0:
                layer.ClearField(field)
        if fillers:
            for param in (layer.convolution_param, layer.inner_product_param):
                param.ClearField('weight_filler')
                param.ClearField('bias_filler')
    return net


@pytest.mark.parametrize('rel,bvlc', [
    ('models/lenet/train_test.prototxt', 'mnist__lenet_train_test.prototxt'),
    ('models/lenet/deploy.prototxt', 'mnist__lenet.prototxt'),
    ('models/cifar10_quick/train_test.prototxt', 'cifar10__cifar10_quick_train_test.prototxt'),
    ('models/caffenet/train_val.prototxt', 'bvlc_reference_caffenet__train_val.prototxt'),
    ('models/googlenet/train_val.prototxt', 'bvlc_googlenet__train_val.prototxt'),
    ('models/googlenet/deploy.prototxt', 'bvlc_googlenet__deploy.prototxt'),
])
def test_net_agrees_with_bvlc(rel, bvlc):
    deploy = 'deploy' in rel
    ours = without_local_paths(read_net(rel), fillers=deploy)
    theirs = without_local_paths(read(os.path.join(FIXTURES, bvlc), caffe_pb2.NetParameter()),
                                 fillers=deploy)
    assert [l.name for l in ours.layer] == [l.name for l in theirs.layer]
    for a, b in zip(ours.layer, theirs.layer):
        assert a == b, f'layer {b.name}:\n{a}\n!=\n{b}'
    assert ours == theirs


@pytest.mark.parametrize('rel,bvlc', [
    ('models/lenet/solver.prototxt', 'mnist__lenet_solver.prototxt'),
    ('models/cifar10_quick/solver.prototxt', 'cifar10__cifar10_quick_solver.prototxt'),
    ('models/googlenet/solver.prototxt', 'bvlc_googlenet__quick_solver.prototxt'),
])
def test_solver_agrees_with_bvlc(rel, bvlc):
    ours = read(rel, caffe_pb2.SolverParameter())
    theirs = read(os.path.join(FIXTURES, bvlc), caffe_pb2.SolverParameter())
    for s in (ours, theirs):  # locations; HDF5 snapshots are not supported here
        for field in ('net', 'snapshot_prefix', 'snapshot_format'):
            s.ClearField(field)
    assert ours == theirs


# --- building and running ------------------------------------------------------------------

def input_shape(model):
    """(C, H, W) of the model's deploy input."""
    deploy = read_net(f'models/{model}/deploy.prototxt')
    assert deploy.layer[0].type == 'Input'
    return tuple(deploy.layer[0].input_param.shape[0].dim[1:])


def with_inputs(net, model, batch):
    """The train net with its LMDB Data layers swapped for Input layers of the same tops
    and shapes (the data sets are not in the repository)."""
    chw = input_shape(model)
    swapped = 0
    for layer in net.layer:
        if layer.type != 'Data':
            continue
        crop = layer.transform_param.crop_size
        assert crop == 0 or (crop, crop) == chw[1:], 'crop size and deploy input disagree'
        assert list(layer.top) == ['data', 'label']
        layer.type = 'Input'
        layer.ClearField('data_param')
        layer.ClearField('transform_param')
        layer.input_param.shape.add().dim.extend([batch, *chw])
        layer.input_param.shape.add().dim.extend([batch])
        swapped += 1
    assert swapped == 2  # one per phase
    return net


def fill_inputs(net, classes, seed=0):
    rng = np.random.RandomState(seed)
    data = net.blobs['data']
    data.data[...] = rng.uniform(-1, 1, data.data.shape)
    if 'label' in net.blobs:
        net.blobs['label'].data[...] = rng.randint(0, classes, net.blobs['label'].data.shape)


def check_shapes(net, expected, batch):
    for name, shape in expected.items():
        assert net.blobs[name].data.shape == (batch, *shape), name


def build(net_param, phase):
    caffe.set_random_seed(1701)
    return caffe.Net.from_string(text_format.MessageToString(net_param), phase)


# GoogLeNet and CaffeNet run at batch 1 to keep this file quick on two cores.
BATCH = {'lenet': 2, 'cifar10_quick': 2, 'caffenet': 1, 'googlenet': 1}


@pytest.mark.parametrize('model', list(TRAIN_FILE))
def test_deploy_net_runs(model):
    net_param = read_net(f'models/{model}/deploy.prototxt')
    net_param.layer[0].input_param.shape[0].dim[0] = BATCH[model]
    net = build(net_param, caffe.TEST)
    fill_inputs(net, 0)
    prob = net.forward()['prob']
    classes = SHAPES[model][list(SHAPES[model])[-1]][0]
    assert prob.shape == (BATCH[model], classes)
    check_shapes(net, SHAPES[model], BATCH[model])
    assert np.all(prob >= 0)
    np.testing.assert_allclose(prob.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize('phase', [caffe.TRAIN, caffe.TEST], ids=['TRAIN', 'TEST'])
@pytest.mark.parametrize('model', list(TRAIN_FILE))
def test_train_net_runs(model, phase):
    batch = BATCH[model]
    train_param = read_net(f'models/{model}/{TRAIN_FILE[model]}.prototxt')
    net = build(with_inputs(train_param, model, batch), phase)
    classes = SHAPES[model][list(SHAPES[model])[-1]][0]
    fill_inputs(net, classes)
    out = net.forward()
    shapes = dict(SHAPES[model])
    losses = [k for k in out if 'loss' in k and 'top-' not in k]
    accuracies = [k for k in out if k not in losses]
    if model == 'googlenet':
        shapes.update(AUXILIARY_SHAPES)
        assert sorted(losses) == ['loss1/loss1', 'loss2/loss1', 'loss3/loss3']
        assert net.blob_loss_weights['loss1/loss1'] == pytest.approx(0.3)
    else:
        assert losses == ['loss']
    check_shapes(net, shapes, batch)
    for name in losses:  # near chance at initialisation: about ln(classes)
        assert 0 < float(out[name]) < 3 * math.log(classes), (name, out[name])
    assert (len(accuracies) > 0) == (phase == caffe.TEST)
    for name in accuracies:
        assert 0 <= float(out[name]) <= 1


@pytest.mark.parametrize('model', list(TRAIN_FILE))
def test_solver_builds(model, tmp_path):
    """Each solver with its net inline (Data swapped for Input, small batches); LeNet and
    CIFAR-10 quick also take two SGD steps, which must change the weights."""
    solver_param = read(f'models/{model}/solver.prototxt', caffe_pb2.SolverParameter())
    net = with_inputs(read_net(solver_param.net), model, BATCH[model])
    solver_param.ClearField('net')
    solver_param.net_param.CopyFrom(net)
    solver_param.test_iter[:] = [1]
    solver_param.snapshot = 0
    solver_param.snapshot_prefix = str(tmp_path / 'snap')
    solver_param.display = 0
    solver_file = tmp_path / 'solver.prototxt'
    solver_file.write_text(text_format.MessageToString(solver_param))
    caffe.set_random_seed(1701)
    solver = caffe.get_solver(str(solver_file))
    assert len(solver.test_nets) == 1
    if model not in ('lenet', 'cifar10_quick'):
        return
    classes = SHAPES[model][list(SHAPES[model])[-1]][0]
    fill_inputs(solver.net, classes)
    fill_inputs(solver.test_nets[0], classes)
    before = {k: [p.data.copy() for p in v] for k, v in solver.net.params.items()}
    solver.step(2)
    assert solver.iter == 2
    assert np.isfinite(solver.net.blobs['loss'].data).all()
    for name, params in solver.net.params.items():
        assert not np.array_equal(params[0].data, before[name][0]), f'{name} did not learn'
