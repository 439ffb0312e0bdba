"""The CUDA runtime around the kernels: a caught device error leaves the GPU usable, each
thread's cuBLAS / cuRAND handles are released when the thread ends, forward on the GPU
then backward on the CPU agree with the CPU alone, cuRAND draws odd counts, and seed 0
seeds. These need a GPU and are skipped without one (the CPU-side part of these fixes,
SpatialTransformer refusing to run in place, is tests/test_in_place.py)."""
import threading

import numpy as np
import pytest

import caffe
from caffe import _caffe

pytestmark = pytest.mark.skipif(not caffe.has_gpu(), reason='needs a CUDA device')

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


@pytest.mark.parametrize('n', [1, 2, 7, 1001])
def test_gaussian_any_count(n):
    caffe.set_random_seed(3)
    values = np.array(_caffe._gpu_gaussian(n, 2.0, 0.5))
    assert values.shape == (n,) and np.all(np.isfinite(values))
    if n > 100:
        assert abs(values.mean() - 2.0) < 0.1 and abs(values.std() - 0.5) < 0.1


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

