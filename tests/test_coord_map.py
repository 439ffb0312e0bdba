"""caffe.coord_map: coordinate maps between NetSpec tops and the Crop layers made from them."""
import numpy as np
import pytest

import caffe
from caffe import layers as L, params as P
from caffe.coord_map import coord_map_from_to, crop


def conv_pool_deconv(ks=3, stride=1, pad=0, pool=2, dstride=2, dpad=0):
    n = caffe.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, 40, 40]))
    n.conv = L.Convolution(n.data, num_output=2, kernel_size=ks, stride=stride, pad=pad)
    n.pool = L.Pooling(n.conv, pool=P.Pooling.MAX, kernel_size=pool, stride=pool)
    n.deconv = L.Deconvolution(n.pool, num_output=2, kernel_size=2 * dstride, stride=dstride,
                               pad=dpad)
    return n


def test_single_layers_by_hand():
    # Convolution k=5, stride 2, pad 1: top position y sees bottom centre 2y - 1 + 2, so
    # bottom x maps to (x - 1) / 2, i.e. a = 1/2, b = -1/2.
    n = caffe.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, 20, 20]))
    n.conv = L.Convolution(n.data, num_output=1, kernel_size=5, stride=2, pad=1)
    ax, a, b = coord_map_from_to(n.data, n.conv)
    assert ax == 1 and a == 0.5 and b == -0.5
    ax, a, b = coord_map_from_to(n.conv, n.data)  # and back
    assert a == 2 and b == 1
    # Dilation 2 makes the kernel extent 9: b = (1 - 4) / 2.
    n.dil = L.Convolution(n.data, num_output=1, kernel_size=5, stride=2, pad=1, dilation=2)
    assert coord_map_from_to(n.data, n.dil)[2] == -1.5


def test_conv_pool_deconv_chains():
    # 3x3 conv (-1), 2x2 pool (x/2 - 1/4), 4x4 stride-2 deconv (2x + 3/2): the identity.
    n = conv_pool_deconv()
    ax, a, b = coord_map_from_to(n.deconv, n.data)
    assert (ax, a, b) == (1, 1, 0)
    n = conv_pool_deconv(pool=4, dstride=4)  # x/4 - 3/8 then 4x + 7/2 after the -1 shift
    assert coord_map_from_to(n.deconv, n.data)[1:] == (1, -1)
    n = conv_pool_deconv(pad=3, dpad=1)
    assert coord_map_from_to(n.deconv, n.data)[1:] == (1, -3 + 1)


def test_pass_through_and_anisotropic():
    n = conv_pool_deconv()
    n.relu = L.ReLU(n.deconv)
    n.bn = L.BatchNorm(n.relu)
    assert coord_map_from_to(n.bn, n.data)[1:] == (1, 0)
    # Per-axis geometry maps each axis as the isotropic net of that axis's numbers does.
    m = conv_pool_deconv(ks=[3, 5], stride=[1, 2], pad=[0, 10])
    _, a, b = coord_map_from_to(m.deconv, m.data)
    one = conv_pool_deconv(ks=5, stride=2, pad=10)
    _, a5, b5 = coord_map_from_to(one.deconv, one.data)
    assert len(a) == 2 and (a[0], b[0]) == (1, 0) and (a[1], b[1]) == (a5, b5)
    assert (a5, b5) == (2, -10)  # conv x/2 + 4, pool x/2 - 1/4, deconv 2x + 3/2, inverted


def test_errors():
    n = conv_pool_deconv()
    n.ip = L.InnerProduct(n.deconv, num_output=3)
    with pytest.raises(RuntimeError, match='not connected'):
        coord_map_from_to(n.ip, n.data)
    with pytest.raises(AssertionError, match='scale mismatch'):
        n = conv_pool_deconv(pool=3, dstride=2)
        crop(n.deconv, n.data)
    with pytest.raises(AssertionError, match='negative offset'):
        n = conv_pool_deconv(dpad=10)
        crop(n.deconv, n.data)


def test_crop_aligns_in_a_running_net(tmp_path):
    # A 1x1 convolution with pad 2 and weight 1 shifts the image by 2; crop() must cut
    # exactly the original back out.
    n = caffe.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, 12, 12]))
    n.padded = L.Convolution(n.data, num_output=1, kernel_size=1, pad=2, bias_term=False,
                             weight_filler=dict(type='constant', value=1))
    n.aligned = crop(n.padded, n.data)
    proto = n.to_proto()
    layer = proto.layer[-1]
    assert layer.type == 'Crop' and layer.crop_param.axis == 2 and list(layer.crop_param.offset) == [2]
    path = tmp_path / 'net.prototxt'
    path.write_text(str(proto))
    net = caffe.Net(str(path), caffe.TEST)
    x = np.random.RandomState(2).randn(1, 1, 12, 12)
    np.testing.assert_allclose(net.forward(data=x)['aligned'], x, rtol=1e-6)
