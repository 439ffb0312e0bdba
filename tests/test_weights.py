"""Saving and loading weights (.caffemodel): round trips, BVLC's wire format, errors."""
import struct

import numpy as np
import pytest

import caffe

NET = '''
name: "w"
input: "x" input_shape { dim: 2 dim: 3 }
layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "h"
        inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 1 }
                              bias_filler { type: "gaussian" std: 1 } } }
layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "y"
        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 1 } } }
'''


def _varint(buf, i):
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def decode(buf):
    """Minimal protobuf wire-format decoder: {field number: [raw values]}."""
    fields, i = {}, 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f'unexpected wire type {wire}')
        fields.setdefault(number, []).append(value)
    return fields


def bvlc_read_caffemodel(path):
    """Reads layer name -> [arrays] using only BVLC Caffe's published field numbers:
    NetParameter.layer = 100; LayerParameter.name = 1, blobs = 7;
    BlobProto.shape = 7 (BlobShape.dim = 1, packed int64), data = 5 (packed float)."""
    net = decode(open(path, 'rb').read())
    layers = {}
    for raw_layer in net.get(100, []):
        layer = decode(raw_layer)
        name = layer[1][0].decode()
        arrays = []
        for raw_blob in layer.get(7, []):
            blob = decode(raw_blob)
            dims, j = [], 0
            packed = decode(blob[7][0]).get(1, [b''])[0]
            while j < len(packed):
                d, j = _varint(packed, j)
                dims.append(d)
            data = b''.join(blob.get(5, []))
            arrays.append(np.array(struct.unpack(f'<{len(data) // 4}f', data)).reshape(dims))
        layers[name] = arrays
    return layers


def test_save_load_round_trip(tmp_path):
    caffe.set_random_seed(5)
    net = caffe.Net.from_string(NET, caffe.TEST)
    path = str(tmp_path / 'w.caffemodel')
    net.save(path)
    caffe.set_random_seed(6)
    other = caffe.Net.from_string(NET, caffe.TEST)
    assert not np.array_equal(other.params['ip1'][0].data, net.params['ip1'][0].data)
    other.copy_from(path)
    for name in net.params:
        for a, b in zip(net.params[name], other.params[name]):
            np.testing.assert_array_equal(a.data, b.data)
    net_file = tmp_path / 'w.prototxt'
    net_file.write_text(NET)
    third = caffe.Net(str(net_file), path, caffe.TEST)
    np.testing.assert_array_equal(third.params['ip2'][0].data, net.params['ip2'][0].data)
    fourth = caffe.Net(str(net_file), caffe.TEST, weights=path)
    np.testing.assert_array_equal(fourth.params['ip1'][1].data, net.params['ip1'][1].data)


def test_caffemodel_uses_bvlc_wire_format(tmp_path):
    net = caffe.Net.from_string(NET, caffe.TEST)
    path = str(tmp_path / 'w.caffemodel')
    net.save(path)
    layers = bvlc_read_caffemodel(path)
    assert set(layers) >= {'ip1', 'ip2'}
    assert [a.shape for a in layers['ip1']] == [(4, 3), (4,)]
    np.testing.assert_array_equal(layers['ip1'][0], net.params['ip1'][0].data)
    np.testing.assert_array_equal(layers['ip2'][1], net.params['ip2'][1].data)


def test_weights_of_another_network_are_rejected(tmp_path):
    net = caffe.Net.from_string(NET, caffe.TEST)
    path = str(tmp_path / 'w.caffemodel')
    net.save(path)
    other = caffe.Net.from_string(NET.replace('num_output: 4', 'num_output: 5'), caffe.TEST)
    with pytest.raises(caffe.ShapeError, match="layer 'ip1'.*another network"):
        other.copy_from(path)


def test_corrupt_and_missing_weights_files(tmp_path):
    net = caffe.Net.from_string(NET, caffe.TEST)
    bad = tmp_path / 'bad.caffemodel'
    bad.write_bytes(b'\xff\xfe this is not a protobuf \x00\x01')
    with pytest.raises(caffe.FileError, match='not a valid binary'):
        net.copy_from(str(bad))
    with pytest.raises(caffe.FileError, match='cannot open'):
        net.copy_from(str(tmp_path / 'missing.caffemodel'))
    good = str(tmp_path / 'good.caffemodel')
    net.save(good)
    truncated = tmp_path / 'trunc.caffemodel'
    truncated.write_bytes(open(good, 'rb').read()[:-7])
    with pytest.raises(caffe.CaffeError):
        net.copy_from(str(truncated))


def saved_weights(tmp_path, net):
    """The NetParameter net.save writes, parsed with the Python protobuf classes."""
    from caffe.proto import caffe_pb2
    path = str(tmp_path / 'w.caffemodel')
    net.save(path)
    param = caffe_pb2.NetParameter()
    param.ParseFromString(open(path, 'rb').read())
    return param


def test_dimensions_beyond_int_range_are_rejected_not_truncated(tmp_path):
    # A stored dimension of 4 + 2**32 once compared equal to 4 (the int64 was cut to int),
    # so a corrupt file loaded as if it were right.
    net = caffe.Net.from_string(NET, caffe.TEST)
    param = saved_weights(tmp_path, net)
    ip1 = next(layer for layer in param.layer if layer.name == 'ip1')
    ip1.blobs[0].shape.dim[0] += 2 ** 32
    bad = tmp_path / 'huge_dim.caffemodel'
    bad.write_bytes(param.SerializeToString())
    before = net.params['ip1'][0].data.copy()
    with pytest.raises(caffe.CaffeError, match="ip1.*4294967300"):
        net.copy_from(str(bad))
    np.testing.assert_array_equal(net.params['ip1'][0].data, before)


def test_a_huge_stored_shape_is_reported_without_allocating_it(tmp_path):
    # A 30-byte blob claiming 16384 x 16384 values (1 GiB of floats) must be refused from its
    # header: the loader used to allocate and zero the whole blob to name its shape in the
    # error message. Run in a child process so that its peak memory is its own.
    net_file = tmp_path / 'net.prototxt'
    net_file.write_text(NET)
    net = caffe.Net.from_string(NET, caffe.TEST)
    param = saved_weights(tmp_path, net)
    blob = next(layer for layer in param.layer if layer.name == 'ip1').blobs[0]
    blob.ClearField('data')
    blob.shape.ClearField('dim')
    blob.shape.dim.extend([16384, 16384])
    bad = tmp_path / 'huge_shape.caffemodel'
    bad.write_bytes(param.SerializeToString())
    script = f'''
import resource, caffe
net = caffe.Net({str(net_file)!r}, caffe.TEST)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    net.copy_from({str(bad)!r})
    print('loaded')
except caffe.ShapeError as e:
    print('error:', e)
print('grew_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
'''
    import subprocess
    import sys
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith('error:') and "'ip1'" in lines[0] and '16384 16384' in lines[0], lines
    grew_kb = int(lines[1].split()[1])
    assert grew_kb < 100 * 1024, f'loading the bad file raised the peak memory by {grew_kb} kB'
