#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/TARGET/) and the prototxt
dictionary (fuzz/prototxt.dict). Run from the repository root with pycaffe built:

    PYTHONPATH=python python3 fuzz/make_corpus.py

The seeds are small on purpose (the fuzzer mutates them): one tiny net per layer type,
a few nets from tests/fixtures/bvlc and models/ that fit the targets' limits, weights and
solver states written by pycaffe for the nets the targets load them into (read from the
targets' own sources), mean files, Datum records and images in the formats OpenCV reads.
"""
import io
import os
import re
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(ROOT, 'python'))
import caffe  # noqa: E402
from caffe.proto import caffe_pb2  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from PIL import Image  # noqa: E402

CORPUS = os.path.join(ROOT, 'fuzz', 'corpus')


def target_dir(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(folder, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


def embedded_text(source, variable):
    """The raw string literal `const char* variable = R"( ... )";` of a fuzz target."""
    text = open(os.path.join(ROOT, 'fuzz', source)).read()
    match = re.search(r'const char\* %s = R"\((.*?)\)";' % variable, text, re.S)
    assert match, 'no %s in fuzz/%s' % (variable, source)
    return match.group(1)


# ---- net_prototxt: one small net per layer type, and some whole nets ------------------
INPUT = ('layer { name: "in" type: "Input" top: "x" top: "y" input_param { '
         'shape { dim: 2 dim: 3 dim: 4 dim: 5 } shape { dim: 2 } } }\n')
# type -> (layer text after `type`, extra bottoms); bottoms "x" (2x3x4x5) and "y" (2).
LAYERS = {
    'AbsVal': '', 'BNLL': '', 'ELU': 'elu_param { alpha: 0.5 }', 'Exp': 'exp_param { base: 2 }',
    'Log': 'log_param { shift: 2 }', 'Power': 'power_param { power: 2 scale: 0.5 shift: 1 }',
    'ReLU': 'relu_param { negative_slope: 0.1 }', 'Sigmoid': '', 'TanH': '',
    'Swish': 'swish_param { beta: 1.5 }', 'Clip': 'clip_param { min: -1 max: 1 }',
    'Threshold': 'threshold_param { threshold: 0.2 }', 'Dropout': 'dropout_param { dropout_ratio: 0.3 }',
    'PReLU': 'prelu_param { channel_shared: false }',
    'BatchNorm': 'batch_norm_param { use_global_stats: false eps: 1e-4 }',
    'MVN': 'mvn_param { normalize_variance: true across_channels: false }',
    'LRN': 'lrn_param { local_size: 3 alpha: 0.1 beta: 0.75 norm_region: WITHIN_CHANNEL }',
    'Softmax': 'softmax_param { axis: 1 }',
    'Convolution': 'convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2 dilation: 1 '
                   'group: 1 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } }',
    'Deconvolution': 'convolution_param { num_output: 3 kernel_h: 2 kernel_w: 2 stride: 2 group: 3 '
                     'weight_filler { type: "bilinear" } }',
    'Pooling': 'pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 }',
    'SPP': 'spp_param { pyramid_height: 2 pool: AVE }',
    'Im2col': 'convolution_param { kernel_size: 2 stride: 1 }',
    'InnerProduct': 'inner_product_param { num_output: 3 axis: 1 transpose: true '
                    'weight_filler { type: "msra" } bias_term: true }',
    'Scale': 'scale_param { axis: 1 num_axes: 1 bias_term: true filler { type: "uniform" min: 0.5 max: 1 } }',
    'Bias': 'bias_param { axis: 1 num_axes: 2 }',
    'Flatten': 'flatten_param { axis: 1 end_axis: -1 }',
    'Reshape': 'reshape_param { shape { dim: 0 dim: -1 dim: 5 } }',
    'Tile': 'tile_param { axis: 2 tiles: 2 }',
    'Reduction': 'reduction_param { operation: SUMSQ axis: 2 coeff: 0.5 }',
    'ArgMax': 'argmax_param { top_k: 2 out_max_val: true axis: 1 }',
    'Crop': None, 'Concat': None, 'Eltwise': None, 'Slice': None, 'Split': None,
    'Silence': None, 'Filter': None, 'BatchReindex': None, 'Embed': None,
    'Parameter': None, 'DummyData': None, 'MemoryData': None, 'Input': None,
    'Accuracy': None, 'SoftmaxWithLoss': None, 'EuclideanLoss': None, 'HingeLoss': None,
    'SigmoidCrossEntropyLoss': None, 'MultinomialLogisticLoss': None, 'InfogainLoss': None,
    'ContrastiveLoss': None, 'SmoothL1Loss': None, 'SpatialTransformer': None, 'STLoss': None,
    'LocLoss': None, 'RNN': None, 'LSTM': None, 'LSTMUnit': None, 'Lstm': None, 'Repeat': None,
}
SPECIAL = {
    'Crop': 'layer { name: "small" type: "Pooling" bottom: "x" top: "s" pooling_param { pool: AVE kernel_size: 2 } }\n'
            'layer { name: "l" type: "Crop" bottom: "x" bottom: "s" top: "out" crop_param { axis: 2 offset: 1 } }',
    'Concat': 'layer { name: "l" type: "Concat" bottom: "x" bottom: "x" top: "out" concat_param { axis: 1 } }',
    'Eltwise': 'layer { name: "l" type: "Eltwise" bottom: "x" bottom: "x" top: "out" '
               'eltwise_param { operation: SUM coeff: 1 coeff: -0.5 } }',
    'Slice': 'layer { name: "l" type: "Slice" bottom: "x" top: "a" top: "b" slice_param { axis: 1 slice_point: 1 } }',
    'Split': 'layer { name: "l" type: "Split" bottom: "x" top: "a" top: "b" }',
    'Silence': 'layer { name: "l" type: "Silence" bottom: "x" bottom: "y" }',
    'Filter': 'layer { name: "l" type: "Filter" bottom: "x" bottom: "y" top: "out" }',
    'BatchReindex': 'layer { name: "l" type: "BatchReindex" bottom: "x" bottom: "y" top: "out" }',
    'Embed': 'layer { name: "l" type: "Embed" bottom: "y" top: "out" embed_param { input_dim: 3 num_output: 4 } }',
    'Parameter': 'layer { name: "l" type: "Parameter" top: "p" parameter_param { shape { dim: 2 dim: 3 } } }',
    'DummyData': 'layer { name: "l" type: "DummyData" top: "d" dummy_data_param { shape { dim: 2 dim: 3 } '
                 'data_filler { type: "gaussian" std: 1 } } }',
    'MemoryData': 'layer { name: "l" type: "MemoryData" top: "m" top: "ml" memory_data_param { '
                  'batch_size: 2 channels: 1 height: 3 width: 3 } }',
    'Input': 'layer { name: "l" type: "Input" top: "i" input_param { shape { dim: 1 dim: 2 } } }',
    'Accuracy': 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 } }\n'
                'layer { name: "l" type: "Accuracy" bottom: "ip" bottom: "y" top: "acc" accuracy_param { top_k: 2 ignore_label: 2 } }',
    'SoftmaxWithLoss': 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 } }\n'
                       'layer { name: "l" type: "SoftmaxWithLoss" bottom: "ip" bottom: "y" top: "loss" '
                       'loss_param { ignore_label: 1 normalization: VALID } }',
    'EuclideanLoss': 'layer { name: "l" type: "EuclideanLoss" bottom: "x" bottom: "x" top: "loss" }',
    'HingeLoss': 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 } }\n'
                 'layer { name: "l" type: "HingeLoss" bottom: "ip" bottom: "y" top: "loss" hinge_loss_param { norm: L2 } }',
    'SigmoidCrossEntropyLoss': 'layer { name: "l" type: "SigmoidCrossEntropyLoss" bottom: "x" bottom: "x" top: "loss" }',
    'MultinomialLogisticLoss': 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 } }\n'
                               'layer { name: "sm" type: "Softmax" bottom: "ip" top: "p" }\n'
                               'layer { name: "l" type: "MultinomialLogisticLoss" bottom: "p" bottom: "y" top: "loss" }',
    'InfogainLoss': 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 } }\n'
                    'layer { name: "h" type: "DummyData" top: "H" dummy_data_param { shape { dim: 3 dim: 3 } '
                    'data_filler { type: "constant" value: 1 } } }\n'
                    'layer { name: "l" type: "InfogainLoss" bottom: "ip" bottom: "y" bottom: "H" top: "loss" }',
    'ContrastiveLoss': 'layer { name: "f" type: "Flatten" bottom: "x" top: "f" }\n'
                       'layer { name: "l" type: "ContrastiveLoss" bottom: "f" bottom: "f" bottom: "y" top: "loss" '
                       'contrastive_loss_param { margin: 1 legacy_version: true } }',
    'SmoothL1Loss': 'layer { name: "l" type: "SmoothL1Loss" bottom: "x" bottom: "x" top: "loss" }',
    'SpatialTransformer': 'layer { name: "t" type: "DummyData" top: "theta" dummy_data_param { shape { dim: 2 dim: 6 } '
                          'data_filler { type: "uniform" min: -1 max: 1 } } }\n'
                          'layer { name: "l" type: "SpatialTransformer" bottom: "x" bottom: "theta" top: "out" '
                          'st_param { output_H: 3 output_W: 4 } }',
    'STLoss': 'layer { name: "t" type: "DummyData" top: "theta" dummy_data_param { shape { dim: 2 dim: 6 } } }\n'
              'layer { name: "l" type: "STLoss" bottom: "theta" top: "loss" st_loss_param { output_H: 3 output_W: 3 } }',
    'LocLoss': 'layer { name: "t" type: "DummyData" top: "theta" dummy_data_param { shape { dim: 2 dim: 6 } } }\n'
               'layer { name: "l" type: "LocLoss" bottom: "theta" top: "loss" loc_loss_param { threshold: 0.5 } }',
    'RNN': 'layer { name: "seq" type: "DummyData" top: "s" top: "c" dummy_data_param { shape { dim: 3 dim: 2 dim: 4 } '
           'shape { dim: 3 dim: 2 } data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }\n'
           'layer { name: "l" type: "RNN" bottom: "s" bottom: "c" top: "out" recurrent_param { num_output: 3 '
           'weight_filler { type: "uniform" min: -0.1 max: 0.1 } } }',
    'LSTM': 'layer { name: "seq" type: "DummyData" top: "s" top: "c" dummy_data_param { shape { dim: 3 dim: 2 dim: 4 } '
            'shape { dim: 3 dim: 2 } data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }\n'
            'layer { name: "l" type: "LSTM" bottom: "s" bottom: "c" top: "out" recurrent_param { num_output: 3 '
            'expose_hidden: false weight_filler { type: "uniform" min: -0.1 max: 0.1 } } }',
    'LSTMUnit': 'layer { name: "st" type: "DummyData" top: "c0" top: "g" top: "cont" dummy_data_param { '
                'shape { dim: 1 dim: 2 dim: 3 } shape { dim: 1 dim: 2 dim: 12 } shape { dim: 1 dim: 2 } '
                'data_filler { type: "gaussian" } data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }\n'
                'layer { name: "l" type: "LSTMUnit" bottom: "c0" bottom: "g" bottom: "cont" top: "c1" top: "h1" }',
    'Lstm': 'layer { name: "f" type: "Flatten" bottom: "x" top: "f" }\n'
            'layer { name: "l" type: "Lstm" bottom: "f" top: "out" lstm_param { num_output: 4 '
            'weight_filler { type: "uniform" min: -0.1 max: 0.1 } } }',
    'Repeat': 'layer { name: "f" type: "Flatten" bottom: "x" top: "f" }\n'
              'layer { name: "l" type: "Repeat" bottom: "f" top: "out" repeat_param { num_repeats: 3 } }',
}

MORE_NETS = {
    'v1_layers': '''name: "v1"
input: "data" input_dim: 2 input_dim: 1 input_dim: 6 input_dim: 6
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv" blobs_lr: 1 blobs_lr: 2
         convolution_param { num_output: 2 kernel_size: 3 } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "pool" type: POOLING bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 } }
layers { name: "ip" type: INNER_PRODUCT bottom: "pool" top: "ip" inner_product_param { num_output: 3 } }
layers { name: "prob" type: SOFTMAX bottom: "ip" top: "prob" }
''',
    'v0_layers': '''name: "v0"
input: "data" input_dim: 1 input_dim: 2 input_dim: 5 input_dim: 5
layers { layer { name: "conv" type: "conv" num_output: 2 kernelsize: 3 pad: 1 stride: 1 } bottom: "data" top: "conv" }
layers { layer { name: "pool" type: "pool" pool: MAX kernelsize: 2 stride: 2 } bottom: "conv" top: "pool" }
layers { layer { name: "ip" type: "innerproduct" num_output: 2 } bottom: "pool" top: "ip" }
''',
    'rules_and_sharing': '''name: "rules"
state { phase: TRAIN level: 1 stage: "a" }
force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "h1" param { name: "w" lr_mult: 1 decay_mult: 0 }
        inner_product_param { num_output: 3 bias_term: false } include { phase: TRAIN max_level: 1 } }
layer { name: "ip2" type: "InnerProduct" bottom: "x" top: "h2" param { name: "w" }
        inner_product_param { num_output: 3 bias_term: false } exclude { stage: "b" } }
layer { name: "sum" type: "Eltwise" bottom: "h1" bottom: "h2" top: "s" propagate_down: true propagate_down: false }
layer { name: "loss" type: "EuclideanLoss" bottom: "s" bottom: "h1" top: "loss" loss_weight: 2 }
''',
    'legacy_input_shape': '''name: "legacy"
input: "a" input_shape { dim: 2 dim: 4 }
input: "b" input_shape { dim: 2 dim: 4 }
layer { name: "e" type: "Eltwise" bottom: "a" bottom: "b" top: "p" eltwise_param { operation: PROD } }
layer { name: "m" type: "Eltwise" bottom: "p" bottom: "a" top: "q" eltwise_param { operation: MAX } }
''',
    'mini_lenet': '''name: "mini_lenet"
layer { name: "data" type: "DummyData" top: "data" top: "label" dummy_data_param {
        shape { dim: 4 dim: 1 dim: 12 dim: 12 } shape { dim: 4 }
        data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 5 weight_filler { type: "xavier" } } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1" inner_product_param { num_output: 10 } }
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 3 } }
layer { name: "acc" type: "Accuracy" bottom: "ip2" bottom: "label" top: "acc" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
''',
    'st_net': '''name: "st"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 1 dim: 8 dim: 8 } } }
layer { name: "loc" type: "InnerProduct" bottom: "data" top: "theta"
        inner_product_param { num_output: 4 weight_filler { type: "constant" value: 0 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "data" bottom: "theta" top: "out"
        st_param { transform_type: "affine" sampler_type: "bilinear" output_H: 6 output_W: 6
                   theta_1_2: 0 theta_2_1: 0 } }
layer { name: "loss" type: "EuclideanLoss" bottom: "out" bottom: "out" top: "loss" }
''',
}


def net_seed(layer_type, text):
    if text is not None:
        body = INPUT + 'layer { name: "l" type: "%s" bottom: "x" top: "out" %s }\n' % (layer_type, text)
    else:
        body = INPUT + SPECIAL[layer_type] + '\n'
    return 'name: "%s" force_backward: true\n%s' % (layer_type, body)


def make_net_prototxt():
    out = target_dir('net_prototxt')
    failed = []
    for layer_type, text in sorted(LAYERS.items()):
        seed = net_seed(layer_type, text)
        # Every seed builds and runs: a seed that fails at once teaches the fuzzer little.
        try:
            net = caffe.Net(_tmp_file(seed), caffe.TRAIN)
            net.forward()
            net.backward()
        except caffe.CaffeError as e:
            if layer_type != 'MemoryData':  # runs once given arrays; built here
                failed.append('%s: %s' % (layer_type, e))
        write(out, 'layer_%s.prototxt' % layer_type, seed)
    for name, text in sorted(MORE_NETS.items()):
        try:
            net = caffe.Net(_tmp_file(text), caffe.TRAIN)
            net.forward()
            net.backward()
        except caffe.CaffeError as e:
            failed.append('%s: %s' % (name, e))
        write(out, '%s.prototxt' % name, text)
    for rel in ['tests/fixtures/bvlc/mnist__lenet.prototxt', 'models/st_cat/st_affine.prototxt']:
        write(out, os.path.basename(rel), open(os.path.join(ROOT, rel)).read())
    assert not failed, 'seed nets that do not run:\n' + '\n'.join(failed)


_TMP = tempfile.mkdtemp()


def _tmp_file(text, name='net.prototxt'):
    path = os.path.join(_TMP, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


# ---- solver_prototxt -------------------------------------------------------------
SMALL_NET = MORE_NETS['mini_lenet'].replace('\n', '\n  ')


def make_solver_prototxt():
    out = target_dir('solver_prototxt')
    policies = ['fixed', 'step', 'exp', 'inv', 'multistep', 'poly', 'sigmoid']
    types = ['SGD', 'Nesterov', 'AdaGrad', 'RMSProp', 'AdaDelta', 'Adam']
    for i, solver_type in enumerate(types):
        policy = policies[i % len(policies)]
        text = ('type: "%s" base_lr: 0.01 lr_policy: "%s" gamma: 0.9 power: 0.75 stepsize: 2\n'
                'stepvalue: 1 stepvalue: 3 momentum: 0.9 weight_decay: 0.001 regularization_type: "L%d"\n'
                'max_iter: 5 display: 1 average_loss: 2 iter_size: %d clip_gradients: 10\n'
                'test_iter: 1 test_interval: 1 test_initialization: true random_seed: 7\n'
                'snapshot: 1 snapshot_format: %s\n'
                'net_param {\n  %s}\n'
                % (solver_type, policy, 1 + i % 2, 1 + i % 2, 'HDF5' if i == 0 else 'BINARYPROTO', SMALL_NET))
        write(out, 'solver_%s.prototxt' % solver_type, text)
    write(out, 'solver_legacy_type.prototxt',
          'solver_type: ADAM base_lr: 0.001 momentum: 0.9 momentum2: 0.999 delta: 1e-8 lr_policy: "fixed"\n'
          'train_net_param {\n  %s}\n'
          'test_net_param {\n  %s}\ntest_iter: 2 test_interval: 1 test_state { stage: "x" }\n'
          % (SMALL_NET, SMALL_NET))
    for rel in ['tests/fixtures/bvlc/mnist__lenet_solver.prototxt',
                'tests/fixtures/bvlc/mnist__lenet_multistep_solver.prototxt']:
        write(out, os.path.basename(rel), open(os.path.join(ROOT, rel)).read())


# ---- caffemodel ------------------------------------------------------------------
def make_caffemodel():
    out = target_dir('caffemodel')
    net_text = embedded_text('caffemodel.cpp', 'kNet')
    net = caffe.Net(_tmp_file(net_text), caffe.TEST)
    rng = np.random.RandomState(0)
    for blobs in net.params.values():
        for b in blobs:
            b.data[...] = rng.uniform(-1, 1, b.data.shape)
    path = os.path.join(_TMP, 'w.caffemodel')
    net.save(path)
    weights = caffe_pb2.NetParameter()
    weights.ParseFromString(open(path, 'rb').read())
    write(out, 'valid.caffemodel', weights.SerializeToString())
    # Only some layers, in another order, one stored in double precision.
    part = caffe_pb2.NetParameter(name='part')
    for layer in reversed(weights.layer):
        if layer.blobs:
            part.layer.add().CopyFrom(layer)
    del part.layer[1:3]
    blob = part.layer[0].blobs[0]
    blob.double_data.extend(blob.data)
    del blob.data[:]
    write(out, 'partial_double.caffemodel', part.SerializeToString())
    # Legacy 4-D shapes (num/channels/height/width) instead of `shape`.
    legacy = caffe_pb2.NetParameter()
    legacy.CopyFrom(weights)
    for layer in legacy.layer:
        for b in layer.blobs:
            dims = list(b.shape.dim)
            if len(dims) <= 4:
                dims = [1] * (4 - len(dims)) + dims
                b.ClearField('shape')
                b.num, b.channels, b.height, b.width = dims
    write(out, 'legacy_shapes.caffemodel', legacy.SerializeToString())
    # The V1 format (`layers` with enum types).
    v1 = caffe_pb2.NetParameter(name='v1')
    v1_types = {'Convolution': caffe_pb2.V1LayerParameter.CONVOLUTION,
                'InnerProduct': caffe_pb2.V1LayerParameter.INNER_PRODUCT}
    for layer in weights.layer:
        if layer.type in v1_types:
            old = v1.layers.add(name=layer.name, type=v1_types[layer.type])
            for b in layer.blobs:
                old.blobs.add().CopyFrom(b)
    write(out, 'v1.caffemodel', v1.SerializeToString())
    # A wrong shape (the loader must refuse it and say which layer).
    wrong = caffe_pb2.NetParameter()
    wrong.CopyFrom(weights)
    wrong.layer[1].blobs[0].shape.dim[0] += 1
    write(out, 'wrong_shape.caffemodel', wrong.SerializeToString())


# ---- binaryproto -----------------------------------------------------------------
def make_binaryproto():
    out = target_dir('binaryproto')
    mean = np.arange(3 * 6 * 6, dtype=np.float32).reshape(1, 3, 6, 6) / 4
    write(out, 'mean_1x3x6x6.binaryproto', caffe.io.array_to_blobproto(mean).SerializeToString())
    shaped = caffe_pb2.BlobProto()
    shaped.shape.dim.extend([3, 6, 6])
    shaped.data.extend(mean.ravel())
    write(out, 'mean_3x6x6.binaryproto', shaped.SerializeToString())
    double = caffe_pb2.BlobProto()
    double.shape.dim.extend([1, 3, 6, 6])
    double.double_data.extend(mean.ravel().astype(float))
    write(out, 'mean_double.binaryproto', double.SerializeToString())
    write(out, 'mean_two_images.binaryproto',
          caffe.io.array_to_blobproto(np.concatenate([mean, mean])).SerializeToString())
    write(out, 'mean_wrong_size.binaryproto',
          caffe.io.array_to_blobproto(mean[:, :, :4, :4]).SerializeToString())


# ---- solverstate -----------------------------------------------------------------
def make_solverstate():
    out = target_dir('solverstate')
    solver_text = embedded_text('solverstate.cpp', 'kSolver')
    types = ['SGD', 'Nesterov', 'AdaGrad', 'RMSProp', 'AdaDelta', 'Adam']
    for index, solver_type in enumerate(types):
        param = caffe_pb2.SolverParameter()
        text_format.Merge(solver_text, param)
        param.type = solver_type
        if solver_type in ('SGD', 'Nesterov', 'Adam'):  # as fuzz/solverstate.cpp does
            param.momentum = 0.9
        if solver_type == 'AdaDelta':
            param.base_lr = 1.0
        param.snapshot_prefix = os.path.join(_TMP, solver_type)
        solver = caffe.get_solver(_tmp_file(text_format.MessageToString(param), 'solver.prototxt'))
        solver.step(3)
        solver.snapshot()
        state = caffe_pb2.SolverState()
        state.ParseFromString(open(os.path.join(_TMP, solver_type + '_iter_3.solverstate'), 'rb').read())
        state.learned_net = 'weights.caffemodel'
        write(out, '%d_%s.solverstate' % (index, solver_type), bytes([index]) + state.SerializeToString())
        if index == 0:
            bare = caffe_pb2.SolverState(iter=1, current_step=1)
            bare.history.extend(state.history)
            write(out, '0_SGD_no_weights.solverstate', bytes([index]) + bare.SerializeToString())


# ---- datum and image -------------------------------------------------------------
def image_bytes(fmt, mode, size=(5, 4), **kw):
    rng = np.random.RandomState(len(fmt) + len(mode))
    w, h = size
    if mode == 'RGB':
        arr = rng.randint(0, 256, (h, w, 3)).astype(np.uint8)
    elif mode == 'RGBA':
        arr = rng.randint(0, 256, (h, w, 4)).astype(np.uint8)
    elif mode == 'I;16':
        arr = rng.randint(0, 65536, (h, w)).astype(np.uint16)
    else:
        arr = rng.randint(0, 256, (h, w)).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


IMAGES = {
    'color.png': ('PNG', 'RGB'), 'gray.png': ('PNG', 'L'), 'alpha.png': ('PNG', 'RGBA'),
    'gray16.png': ('PNG', 'I;16'), 'color.jpg': ('JPEG', 'RGB'), 'gray.jpg': ('JPEG', 'L'),
    'color.bmp': ('BMP', 'RGB'), 'color.ppm': ('PPM', 'RGB'), 'gray.pgm': ('PPM', 'L'),
    'color.tiff': ('TIFF', 'RGB'), 'color.webp': ('WEBP', 'RGB'),
}


def make_datum():
    out = target_dir('datum')
    rng = np.random.RandomState(1)
    raw = caffe.io.array_to_datum(rng.randint(0, 256, (3, 4, 5)).astype(np.uint8), label=2)
    floats = caffe.io.array_to_datum(rng.uniform(0, 1, (1, 6, 6)).astype(np.float32), label=1)
    write(out, 'raw_3x4x5', bytes([0x00]) + raw.SerializeToString())
    write(out, 'raw_crop_mirror', bytes([0x07 | 0x40]) + raw.SerializeToString())
    write(out, 'float_1x6x6', bytes([0x05]) + floats.SerializeToString())
    for i, name in enumerate(['color.png', 'gray.png', 'color.jpg', 'alpha.png']):
        fmt, mode = IMAGES[name]
        d = caffe_pb2.Datum(encoded=True, label=i, data=image_bytes(fmt, mode))
        flags = [0x00, 0x10, 0x20 | 0x04, 0x80][i]
        write(out, 'encoded_' + name, bytes([flags]) + d.SerializeToString())


def make_image():
    out = target_dir('image')
    for i, (name, (fmt, mode)) in enumerate(sorted(IMAGES.items())):
        flags = [0x01, 0x03, 0x05 | 0x10, 0x00 | 0x40, 0x0B | 0x20, 0x81][i % 6]
        write(out, name, bytes([flags]) + image_bytes(fmt, mode))


# ---- the prototxt dictionary ---------------------------------------------------------
def make_dict():
    words = set()

    def walk(descriptor, seen):
        if descriptor.full_name in seen:
            return
        seen.add(descriptor.full_name)
        for field in descriptor.fields:
            words.add(field.name)
            if field.enum_type is not None:
                words.update(v.name for v in field.enum_type.values)
            if field.message_type is not None:
                walk(field.message_type, seen)

    seen = set()
    walk(caffe_pb2.NetParameter.DESCRIPTOR, seen)
    walk(caffe_pb2.SolverParameter.DESCRIPTOR, seen)
    quoted = set(caffe.layer_type_list())
    quoted.update(['SGD', 'Nesterov', 'AdaGrad', 'RMSProp', 'AdaDelta', 'Adam',
                   'constant', 'gaussian', 'positive_unitball', 'uniform', 'xavier', 'msra', 'bilinear',
                   'fixed', 'step', 'exp', 'inv', 'multistep', 'poly', 'sigmoid', 'L1', 'L2',
                   'affine', 'rotation', 'translation', 'similarity'])
    lines = ['# libFuzzer dictionary for the prototxt targets: every field and enum value name of',
             '# caffe.proto, the registered layer types, solver types, fillers and lr policies.',
             '# Written by fuzz/make_corpus.py.']
    for w in sorted(words):
        lines.append('"%s"' % w)
        lines.append('"%s: "' % w)
        lines.append('"%s {"' % w)
    for w in sorted(quoted):
        lines.append('"\\"%s\\""' % w)
    lines += ['" {"', '"}"', '": "', '"\\x0A"', '"-1"', '"0"', '"2147483647"', '"4294967295"',
              '"1e38"', '"nan"', '"inf"', '"-inf"', '"true"', '"false"']
    with open(os.path.join(ROOT, 'fuzz', 'prototxt.dict'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    caffe.set_mode_cpu()
    caffe.set_random_seed(0)
    make_net_prototxt()
    make_solver_prototxt()
    make_caffemodel()
    make_binaryproto()
    make_solverstate()
    make_datum()
    make_image()
    make_dict()
    shutil.rmtree(_TMP, ignore_errors=True)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(CORPUS) for f in fs)
    print('corpora written to fuzz/corpus (%d bytes); dictionary fuzz/prototxt.dict' % total)


if __name__ == '__main__':
    main()
