"""caffe.NetSpec generates the same NetParameter a hand-written prototxt gives."""
import numpy as np
import pytest
from google.protobuf import text_format

import caffe
from caffe import layers as L, params as P
from caffe.proto import caffe_pb2

EXPECTED = '''
layer { name: "data" type: "Input" top: "data" top: "theta"
        input_param { shape { dim: 2 dim: 1 dim: 6 dim: 6 } shape { dim: 2 dim: 2 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "data" bottom: "theta" top: "st"
        st_param { output_H: 4 output_W: 4 to_compute_dU: false theta_1_1: 0.5 theta_1_2: 0
                   theta_2_1: 0 theta_2_2: 0.5 } }
layer { name: "pool" type: "Pooling" bottom: "st" top: "pool"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "relu" type: "ReLU" bottom: "pool" top: "pool" }
layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
        param { lr_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
        inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss"
        loss_weight: 2 include { phase: TRAIN } }
'''


def build():
    n = caffe.NetSpec()
    n.data, n.theta = L.Input(shape=[dict(dim=[2, 1, 6, 6]), dict(dim=[2, 2])], ntop=2)
    n.st = L.SpatialTransformer(n.data, n.theta, output_H=4, output_W=4, to_compute_dU=False,
                                theta_1_1=0.5, theta_1_2=0, theta_2_1=0, theta_2_2=0.5)
    n.pool = L.Pooling(n.st, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n.relu = L.ReLU(n.pool, in_place=True)
    n.ip = L.InnerProduct(n.relu, num_output=3, weight_filler=dict(type='xavier'),
                          param=[dict(lr_mult=1), dict(lr_mult=2, decay_mult=0)])
    return n


def test_netspec_matches_hand_written_prototxt():
    n = build()
    label = L.Input(shape=[dict(dim=[2])], name='label_in')
    n.label = label
    n.loss = L.SoftmaxWithLoss(n.ip, n.label, loss_weight=2, include=dict(phase=caffe.TRAIN))
    generated = n.to_proto()
    expected = caffe_pb2.NetParameter()
    text_format.Merge(EXPECTED, expected)
    got = [l for l in generated.layer if l.name != 'label_in']
    assert len(got) == len(expected.layer)
    for g, e in zip(got, expected.layer):
        assert g == e, f'layer {e.name}:\n{g}\n!=\n{e}'


def test_enum_params_and_errors():
    assert P.Pooling.AVE == caffe_pb2.PoolingParameter.AVE
    with pytest.raises(AttributeError, match='no_such_field'):
        n = caffe.NetSpec()
        n.x = L.Input(shape=dict(dim=[1]))
        n.y = L.ReLU(n.x, no_such_field=3)
        n.to_proto()
    # BVLC's exact wording (its own test matches it with a regular expression).
    with pytest.raises(TypeError, match=r"^ReLU input 0 is not a Top \(type is <class 'numpy.ndarray'>\)$"):
        L.ReLU(np.zeros(3))
    with pytest.raises(TypeError, match=r"^Concat input 1 is not a Top \(type is <class 'tuple'>\)$"):
        x = L.Input(shape=dict(dim=[1]))
        L.Concat(x, L.DummyData(ntop=2))


def test_generated_net_builds_and_runs(tmp_path):
    path = tmp_path / 'gen.prototxt'
    path.write_text(str(build().to_proto()))
    net = caffe.Net(str(path), caffe.TEST)
    net.blobs['data'].data[...] = 1
    net.blobs['theta'].data[...] = 0
    assert net.forward()['ip'].shape == (2, 3)
