"""Old formats load: V0 and V1 net definitions, V1 .caffemodel weights, legacy inputs and
solver_type are upgraded as BVLC does, in Net and by the upgrade_* tools. The old files
are written here with the V0/V1 messages; each is compared with its current form written
out by hand."""
import subprocess

import numpy as np
import pytest
from google.protobuf import text_format

import caffe
from caffe.proto import caffe_pb2
from conftest import require_tool

RNG = np.random.RandomState(5)

V1_NET = '''name: "v1net"
input: "data"
input_dim: 2 input_dim: 3 input_dim: 8 input_dim: 8
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
  convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2
    weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "constant" value: 0.2 } } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "pool" type: POOLING bottom: "conv" top: "pool"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "ip" type: INNER_PRODUCT bottom: "pool" top: "ip" param: "shared_w"
  blob_share_mode: PERMISSIVE
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
layers { name: "prob" type: SOFTMAX bottom: "ip" top: "prob" }
'''

V1_NET_UPGRADED = '''name: "v1net"
layer { name: "input" type: "Input" top: "data"
  input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
  convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2
    weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "constant" value: 0.2 } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
  param { name: "shared_w" share_mode: PERMISSIVE }
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
'''

V0_NET = '''name: "v0net"
input: "data"
input_dim: 1 input_dim: 2 input_dim: 6 input_dim: 6
layers { layer { name: "pad1" type: "padding" pad: 1 } bottom: "data" top: "pad1" }
layers { layer { name: "conv1" type: "conv" num_output: 3 kernelsize: 3 stride: 1 biasterm: true
                 weight_filler { type: "gaussian" std: 0.5 } blobs_lr: 1 blobs_lr: 2 }
         bottom: "pad1" top: "conv1" }
layers { layer { name: "pool1" type: "pool" pool: AVE kernelsize: 2 stride: 2 }
         bottom: "conv1" top: "pool1" }
layers { layer { name: "fc" type: "innerproduct" num_output: 4
                 weight_filler { type: "gaussian" std: 0.3 } }
         bottom: "pool1" top: "fc" }
layers { layer { name: "drop" type: "dropout" dropout_ratio: 0.3 } bottom: "fc" top: "fc" }
'''

V0_NET_UPGRADED = '''name: "v0net"
layer { name: "input" type: "Input" top: "data"
  input_param { shape { dim: 1 dim: 2 dim: 6 dim: 6 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  param { lr_mult: 1 } param { lr_mult: 2 }
  convolution_param { num_output: 3 bias_term: true pad: 1 kernel_size: 3 stride: 1
    weight_filler { type: "gaussian" std: 0.5 } } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool1" top: "fc"
  inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "drop" type: "Dropout" bottom: "fc" top: "fc" dropout_param { dropout_ratio: 0.3 } }
'''


def parse(text):
    return text_format.Parse(text, caffe_pb2.NetParameter())


@pytest.mark.parametrize('old,new', [(V1_NET, V1_NET_UPGRADED), (V0_NET, V0_NET_UPGRADED)],
                         ids=['V1', 'V0'])
def test_upgrade_gives_the_current_form(old, new):
    assert caffe.upgrade_net_param(parse(old)) == parse(new)


def nets_with_equal_weights(old_text, new_text, tmp_path, phase=caffe.TEST):
    old_path, new_path = tmp_path / 'old.prototxt', tmp_path / 'new.prototxt'
    old_path.write_text(old_text)
    new_path.write_text(new_text)
    old = caffe.Net(str(old_path), phase)
    new = caffe.Net(str(new_path), phase)
    weights = str(tmp_path / 'w.caffemodel')
    old.save(weights)
    new.copy_from(weights)
    return old, new


@pytest.mark.parametrize('old,new', [(V1_NET, V1_NET_UPGRADED), (V0_NET, V0_NET_UPGRADED)],
                         ids=['V1', 'V0'])
def test_old_definition_runs_like_its_upgraded_form(old, new, tmp_path):
    old_net, new_net = nets_with_equal_weights(old, new, tmp_path)
    assert list(old_net._layer_names) == list(new_net._layer_names)
    x = RNG.randn(*old_net.blobs['data'].data.shape)
    out_old = old_net.forward(data=x)
    out_new = new_net.forward(data=x)
    assert out_old.keys() == out_new.keys()
    for k in out_old:
        np.testing.assert_array_equal(out_old[k], out_new[k])


def legacy_blob(arr):
    """A BlobProto with the legacy num/channels/height/width shape, as V1 files have."""
    b = caffe_pb2.BlobProto()
    shape = (1,) * (4 - arr.ndim) + arr.shape
    b.num, b.channels, b.height, b.width = shape
    b.data.extend(arr.astype(np.float32).ravel())
    return b


def write_v1_caffemodel(path, weights):
    """Weights in the V1 format: `layers` with enum types and legacy-shaped blobs."""
    types = {'conv': caffe_pb2.V1LayerParameter.CONVOLUTION,
             'ip': caffe_pb2.V1LayerParameter.INNER_PRODUCT}
    net = caffe_pb2.NetParameter(name='v1net')
    for name, blobs in weights.items():
        layer = net.layers.add(name=name, type=types[name])
        layer.blobs.extend(legacy_blob(b) for b in blobs)
    path.write_bytes(net.SerializeToString())


def numpy_v1_net(x, w):
    """The V1 net above (conv 3x3 pad 1 stride 2, ReLU, 2x2 max pool, inner product,
    softmax), written with numpy."""
    wc, bc = w['conv']
    n, c, h, _ = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh = (h + 2 - 3) // 2 + 1
    conv = np.zeros((n, wc.shape[0], oh, oh))
    for i in range(oh):
        for j in range(oh):
            patch = xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            conv[:, :, i, j] = np.tensordot(patch, wc, axes=([1, 2, 3], [1, 2, 3])) + bc
    conv = np.maximum(conv, 0)
    pool = conv.reshape(n, conv.shape[1], oh // 2, 2, oh // 2, 2).max(axis=(3, 5))
    wi, bi = w['ip']
    ip = pool.reshape(n, -1) @ wi.T + bi
    e = np.exp(ip - ip.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_v1_caffemodel_loads_and_matches_numpy(tmp_path):
    w = {'conv': [RNG.randn(4, 3, 3, 3) * 0.3, RNG.randn(4)],
         'ip': [RNG.randn(5, 16) * 0.3, RNG.randn(5)]}
    v1_model = tmp_path / 'v1.caffemodel'
    write_v1_caffemodel(v1_model, w)
    (tmp_path / 'new.prototxt').write_text(V1_NET_UPGRADED)
    x = RNG.randn(2, 3, 8, 8)
    expected = numpy_v1_net(x, {k: [v.astype(np.float32) for v in vs] for k, vs in w.items()})
    for definition in ('new.prototxt', 'old.prototxt'):
        (tmp_path / 'old.prototxt').write_text(V1_NET)
        net = caffe.Net(str(tmp_path / definition), str(v1_model), caffe.TEST)
        np.testing.assert_allclose(net.params['conv'][0].data, w['conv'][0], rtol=1e-6)
        np.testing.assert_allclose(net.forward(data=x)['prob'], expected, rtol=1e-4, atol=1e-6)

    # upgrade_net_proto_binary writes the same weights in the current format.
    upgraded = tmp_path / 'v2.caffemodel'
    subprocess.run([require_tool('upgrade_net_proto_binary'), str(v1_model), str(upgraded)],
                   check=True, capture_output=True)
    stored = caffe_pb2.NetParameter.FromString(upgraded.read_bytes())
    assert len(stored.layers) == 0
    assert [(l.name, l.type) for l in stored.layer] == [('conv', 'Convolution'),
                                                        ('ip', 'InnerProduct')]
    net = caffe.Net(str(tmp_path / 'new.prototxt'), str(upgraded), caffe.TEST)
    np.testing.assert_allclose(net.forward(data=x)['prob'], expected, rtol=1e-4, atol=1e-6)


def test_upgrade_net_proto_text_tool(tmp_path):
    old, new = tmp_path / 'old.prototxt', tmp_path / 'new.prototxt'
    old.write_text(V1_NET)
    subprocess.run([require_tool('upgrade_net_proto_text'), str(old), str(new)], check=True,
                   capture_output=True)
    assert parse(new.read_text()) == parse(V1_NET_UPGRADED)
    # An unreadable input is one line and status 1; nothing is written.
    missing = subprocess.run([require_tool('upgrade_net_proto_text'), str(tmp_path / 'none'),
                              str(tmp_path / 'out')], capture_output=True, text=True)
    assert missing.returncode == 1 and 'upgrade_net_proto_text: ' in missing.stderr
    assert not (tmp_path / 'out').exists()


def test_v1_data_layer_transformation_fields_move_to_transform_param():
    net = parse('layers { name: "d" type: DATA top: "data" top: "label" data_param { '
                'source: "db" batch_size: 4 scale: 0.5 mean_file: "m.binaryproto" '
                'crop_size: 3 mirror: true } }')
    up = caffe.upgrade_net_param(net)
    assert up == parse('layer { name: "d" type: "Data" top: "data" top: "label" '
                       'data_param { source: "db" batch_size: 4 } transform_param { '
                       'scale: 0.5 mean_file: "m.binaryproto" crop_size: 3 mirror: true } }')


def test_upgrade_solver_proto_text_tool(tmp_path):
    old, new = tmp_path / 'old.prototxt', tmp_path / 'new.prototxt'
    old.write_text('net: "net.prototxt"\nbase_lr: 0.01\nsolver_type: ADAM\n')
    subprocess.run([require_tool('upgrade_solver_proto_text'), str(old), str(new)], check=True,
                   capture_output=True)
    solver = text_format.Parse(new.read_text(), caffe_pb2.SolverParameter())
    assert solver.type == 'Adam' and not solver.HasField('solver_type')
    assert solver.net == 'net.prototxt'  # paths stay as written


def test_what_cannot_be_upgraded_is_a_parse_error(tmp_path):
    mixed = V1_NET_UPGRADED + 'layers { name: "old" type: RELU bottom: "ip" top: "ip" }\n'
    with pytest.raises(caffe.ParseError, match=r"mixes V1 `layers` with current `layer`"):
        caffe.Net.from_string(mixed, caffe.TEST)
    unknown = 'layers { layer { name: "odd" type: "warp_drive" } }'
    with pytest.raises(caffe.ParseError, match=r"V0 layer 'odd' has type 'warp_drive'"):
        caffe.Net.from_string(unknown, caffe.TEST)
