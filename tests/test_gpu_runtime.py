"""The CUDA runtime around the kernels: a caught device error leaves the GPU usable, each
thread's cuBLAS / cuRAND handles are released when the thread ends, forward on the GPU
then backward on the CPU agree with the CPU alone, cuRAND draws odd counts, seed 0
seeds, two threads each drive their own net, zero-size blobs pass, memory stays on the
device it was allocated on and set_device always selects the device. These need a GPU
(the device tests two of them) and are skipped without one (the CPU-side part of these
fixes, SpatialTransformer refusing to run in place, is tests/test_in_place.py; zero-size
blobs on the CPU are tested here too)."""
import threading

import numpy as np
import pytest

import caffe
from caffe import _caffe

needs_gpu = pytest.mark.skipif(not caffe.has_gpu(), reason='needs a CUDA device')
needs_two_gpus = pytest.mark.skipif(caffe.device_count() < 2, reason='needs two CUDA devices')

ST_NET = '''name: "st" force_backward: true
layer { name: "in" type: "Input" top: "U" top: "theta"
  input_param { shape { dim: 3 dim: 2 dim: 9 dim: 8 } shape { dim: 3 dim: 6 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "U" bottom: "theta" top: "V" }
'''


def st_net(rng):
    net = caffe.Net.from_string(ST_NET, caffe.TRAIN, dtype=np.float64)
    net.blobs['U'].data[...] = rng.randn(3, 2, 9, 8)
    net.blobs['theta'].data[...] = np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.3, 0.3, (3, 6))
    return net


def passes(net, forward_mode, backward_mode, dv):
    forward_mode()
    net.forward()
    net.blobs['V'].diff[...] = dv
    backward_mode()
    net.backward()
    return [net.blobs['V'].data.copy(), net.blobs['U'].diff.copy(),
            net.blobs['theta'].diff.copy()]


@needs_gpu
def test_gpu_forward_then_cpu_backward_matches_cpu():
    rng = np.random.RandomState(0)
    net = st_net(rng)
    dv = rng.randn(*net.blobs['V'].data.shape)
    cpu = passes(net, caffe.set_mode_cpu, caffe.set_mode_cpu, dv)
    net.blobs['theta'].data[...] += 0.05   # forward must see this theta, on the GPU
    mixed = passes(net, caffe.set_mode_gpu, caffe.set_mode_cpu, dv)
    caffe.set_mode_cpu()
    reference = passes(net, caffe.set_mode_cpu, caffe.set_mode_cpu, dv)
    for a, b in zip(mixed, reference):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert not np.allclose(cpu[2], reference[2])  # the change of theta mattered


@needs_gpu
def test_out_of_memory_is_caught_and_the_gpu_stays_usable():
    rng = np.random.RandomState(1)
    net = st_net(rng)
    dv = rng.randn(*net.blobs['V'].data.shape)
    reference = passes(net, caffe.set_mode_cpu, caffe.set_mode_cpu, dv)
    free, total = _caffe._gpu_memory_info()
    with pytest.raises(caffe.DeviceError, match='memory'):
        _caffe._gpu_try_alloc(2 * total)
    again = passes(net, caffe.set_mode_gpu, caffe.set_mode_gpu, dv)  # kernels launch again
    for a, b in zip(again, reference):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@needs_gpu
def test_thread_handles_are_released():
    def work():
        caffe.set_mode_gpu()
        net = caffe.Net.from_string('''name: "ip" layer { name: "in" type: "Input" top: "x"
          input_param { shape { dim: 64 dim: 256 } } }
          layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y"
          inner_product_param { num_output: 256 } }''', caffe.TEST)
        net.forward()
        _caffe._gpu_gaussian(8)  # creates the thread's cuRAND generator
    work()  # the first context and allocator warm-up are not what is measured
    free_before = _caffe._gpu_memory_info()[0]
    for _ in range(40):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    free_after = _caffe._gpu_memory_info()[0]
    # 40 leaked cuBLAS workspaces and cuRAND states would hold hundreds of MB.
    assert free_before - free_after < 64 << 20, (free_before, free_after)


@needs_gpu
@pytest.mark.parametrize('n', [1, 2, 7, 1001])
def test_gaussian_any_count(n):
    caffe.set_random_seed(3)
    values = np.array(_caffe._gpu_gaussian(n, 2.0, 0.5))
    assert values.shape == (n,) and np.all(np.isfinite(values))
    if n > 100:
        assert abs(values.mean() - 2.0) < 0.1 and abs(values.std() - 0.5) < 0.1


@needs_gpu
def test_seed_zero_is_a_seed():
    caffe.set_random_seed(0)
    a = _caffe._gpu_gaussian(6)
    caffe.set_random_seed(0)
    b = _caffe._gpu_gaussian(6)
    assert a == b

    def fresh_thread(result, touch_gpu):
        caffe.set_random_seed(0)
        if touch_gpu:
            _caffe._gpu_gaussian(2)  # creates this thread's generator
        result.append(_caffe._host_rng_draw())

    draws = []
    for touch in (False, True):
        t = threading.Thread(target=fresh_thread, args=(draws, touch))
        t.start()
        t.join()
    assert draws[0] == draws[1]  # seeding cuRAND did not consume a host draw



IP_NET = '''name: "mlp" force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 16 dim: 32 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "h"
  inner_product_param { num_output: 24 weight_filler { type: "gaussian" std: 0.2 }
                        bias_filler { type: "gaussian" } } }
layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
layer { name: "bn" type: "BatchNorm" bottom: "h" top: "b" }
layer { name: "sm" type: "Softmax" bottom: "b" top: "p" }
'''


def mlp_pass(net, x, dp):
    net.blobs['x'].data[...] = x
    net.forward()
    net.blobs['p'].diff[...] = dp
    for p in net.params['ip']:
        p.diff[...] = 0
    net.backward()
    return [net.blobs['p'].data.copy(), net.blobs['x'].diff.copy()] + \
        [p.diff.copy() for p in net.params['ip']]


@needs_gpu
def test_two_threads_each_drive_their_own_gpu_net():
    """Thread-local mode, device, cuBLAS handle and reduction workspace: two threads run
    their nets on the GPU at the same time, each matching the CPU."""
    rng = np.random.RandomState(5)
    inputs = [(rng.randn(16, 32), rng.randn(16, 24)) for _ in range(2)]
    caffe.set_random_seed(11)
    nets = [caffe.Net.from_string(IP_NET, caffe.TRAIN, dtype=np.float64) for _ in range(2)]
    weights = [[p.data.copy() for p in net.params['ip']] for net in nets]
    expected = [mlp_pass(net, *io) for net, io in zip(nets, inputs)]  # CPU, this thread
    results, errors = [None, None], []

    def drive(i):
        try:
            caffe.set_mode_gpu()
            caffe.set_device(0)
            net = caffe.Net.from_string(IP_NET, caffe.TRAIN, dtype=np.float64)
            for p, w in zip(net.params['ip'], weights[i]):
                p.data[...] = w
            for _ in range(20):
                results[i] = mlp_pass(net, *inputs[i])
        except Exception as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=drive, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for got, want in zip(results, expected):
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


ZERO_SIZE_LAYERS = [
    ('type: "ReLU"', (0, 3, 4, 5)),
    ('type: "InnerProduct" inner_product_param { num_output: 4 weight_filler { type: "gaussian" } }',
     (0, 3, 4, 5)),
    ('type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 '
     'weight_filler { type: "gaussian" } }', (0, 3, 4, 5)),
    ('type: "Pooling" pooling_param { pool: MAX kernel_size: 2 stride: 2 }', (0, 3, 4, 5)),
    ('type: "Softmax"', (0, 3, 4, 5)),
    ('type: "Scale" scale_param { bias_term: true }', (0, 3, 4, 5)),
    ('type: "Tile" tile_param { tiles: 2 }', (0, 3, 4, 5)),
    ('type: "Concat" concat_param { axis: 1 }', (2, 0, 4, 5)),
    ('type: "Reduction" reduction_param { axis: 1 }', (2, 0)),
]


@pytest.mark.parametrize('mode', ['cpu', pytest.param('gpu', marks=needs_gpu)])
@pytest.mark.parametrize('layer,shape', ZERO_SIZE_LAYERS, ids=[l.split('"')[1] + str(s)
                                                             for l, s in ZERO_SIZE_LAYERS])
def test_zero_size_blobs(layer, shape, mode):
    """Empty blobs (a batch of 0, a channel axis of 0) pass forward and backward without an
    error (a kernel launch of no threads, a cuBLAS call of no rows, a copy of no bytes),
    and the device stays usable for the next net."""
    from caffe_test_utils import layer_net
    if mode == 'gpu':
        caffe.set_mode_gpu()
    try:
        net = layer_net(layer, {'x': np.zeros(shape)})
        net.forward()
        top = net.blobs['out']
        top.diff[...] = 1
        net.backward()
        assert net.blobs['x'].diff.shape == shape
        if np.prod(shape) == 0 and 'Reduction' not in layer:
            assert top.data.size == 0
        np.testing.assert_array_equal(top.data, np.zeros(top.data.shape))
        rng = np.random.RandomState(1)
        follow = st_net(rng)
        dv = rng.randn(*follow.blobs['V'].data.shape)
        again = passes(follow, lambda: None, lambda: None, dv)
    finally:
        caffe.set_mode_cpu()
    reference = passes(st_net(np.random.RandomState(1)), caffe.set_mode_cpu, caffe.set_mode_cpu, dv)
    for a, b in zip(again, reference):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@needs_gpu
def test_set_device_always_selects_the_device():
    caffe.set_device(0)
    caffe.set_mode_gpu()
    try:
        st_net(np.random.RandomState(2)).forward()  # creates this thread's handles
    finally:
        caffe.set_mode_cpu()
    if caffe.device_count() > 1:
        _caffe._cuda_set_device_raw(1)  # as another library in the process might
        caffe.set_device(0)
        assert _caffe._cuda_current_device() == 0
    t_device = []
    t = threading.Thread(target=lambda: (caffe.set_device(0),
                                         t_device.append(_caffe._cuda_current_device())))
    t.start()
    t.join()
    assert t_device == [0]


@needs_two_gpus
def test_memory_stays_on_its_device():
    rng = np.random.RandomState(3)
    caffe.set_device(0)
    net = st_net(rng)
    dv = rng.randn(*net.blobs['V'].data.shape)
    on_0 = passes(net, caffe.set_mode_gpu, caffe.set_mode_gpu, dv)
    try:
        caffe.set_device(1)
        caffe.set_mode_gpu()
        with pytest.raises(caffe.DeviceError, match=r'allocated on CUDA device 0, but device 1'):
            net.forward()
        # The host copies stay readable from any device.
        np.testing.assert_array_equal(net.blobs['V'].data, on_0[0])
        fresh = st_net(np.random.RandomState(3))  # a net built now lives on device 1
        on_1 = passes(fresh, caffe.set_mode_gpu, caffe.set_mode_gpu, dv)
        for a, b in zip(on_0, on_1):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        caffe.set_device(0)
        again = passes(net, caffe.set_mode_gpu, caffe.set_mode_gpu, dv)
        for a, b in zip(on_0, again):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    finally:
        caffe.set_device(0)
        caffe.set_mode_cpu()

