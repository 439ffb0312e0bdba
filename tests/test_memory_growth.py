"""Memory stays bounded: ten thousand calls each of net.forward(), solver.step(1) and
set_input_arrays grow the process's resident memory by less than a small bound, and a data
layer's prefetch thread stops (and its batches are freed) when its net is deleted."""
import ctypes
import ctypes.util
import gc
import os

import numpy as np

import caffe
from data_test_utils import data_net, image_data_net, random_images, write_list, write_pngs

CALLS = 10000
BOUND_MB = 8  # one leaked 100-float buffer per call would already be 4 MB


_LIBC = ctypes.CDLL(ctypes.util.find_library('c'))


def rss_mb():
    """Resident memory in MB, after glibc has handed its free pages back to the system.
    Without the trim, memory freed but kept by the allocator counts: glibc raises its
    mmap and trim thresholds (up to 32 and 64 MB) each time a large mmapped block is
    freed, so after tests that allocated and freed large buffers, up to tens of MB freed
    by the calls measured here stayed resident (seen: 15-27 MB over 10,000 forwards of a
    tiny net after the example tests; none with the thresholds fixed by GLIBC_TUNABLES,
    none after a trim). A leak is memory still allocated: the trim does not hide it."""
    _LIBC.malloc_trim(0)
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError('no VmRSS')


def threads():
    return len(os.listdir('/proc/self/task'))


def growth(step, warmup=200):
    """RSS growth in MB over CALLS calls of step(), after a warm-up that lets every
    buffer and allocator pool reach its steady size."""
    for _ in range(warmup):
        step()
    gc.collect()
    before = rss_mb()
    for _ in range(CALLS):
        step()
    gc.collect()
    return rss_mb() - before


NET = '''name: "small" force_backward: true
layer { name: "in" type: "Input" top: "x" top: "label"
  input_param { shape { dim: 4 dim: 2 dim: 8 dim: 8 } shape { dim: 4 } } }
layer { name: "conv" type: "Convolution" bottom: "x" top: "c"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "pool" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip" type: "InnerProduct" bottom: "p" top: "y"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "y" bottom: "label" top: "loss" }
'''


def test_forward_does_not_grow_memory():
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    net.blobs['x'].data[...] = np.random.RandomState(0).randn(4, 2, 8, 8)
    assert growth(net.forward) < BOUND_MB


def test_solver_step_does_not_grow_memory(tmp_path):
    net_path = tmp_path / 'net.prototxt'
    net_path.write_text(NET)
    solver_path = tmp_path / 'solver.prototxt'
    solver_path.write_text(f'net: "{net_path}"\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: "fixed"\n'
                           'max_iter: 100000\ndisplay: 0\nsnapshot: 0\n')
    solver = caffe.get_solver(str(solver_path))
    solver.net.blobs['x'].data[...] = np.random.RandomState(1).randn(4, 2, 8, 8)
    assert growth(lambda: solver.step(1)) < BOUND_MB


def test_set_input_arrays_does_not_grow_memory(tmp_path):
    net = data_net(tmp_path, 'MemoryData',
                   'memory_data_param { batch_size: 2 channels: 3 height: 4 width: 4 }')
    rng = np.random.RandomState(2)

    def step():
        # fresh arrays every call: the layer must drop its reference to the previous ones
        net.set_input_arrays(rng.rand(4, 3, 4, 4).astype(np.float32),
                             rng.rand(4).astype(np.float32))
        net.forward()
    assert growth(step) < BOUND_MB


def test_prefetch_thread_stops_when_the_net_is_deleted(tmp_path):
    images = random_images(6, h=16, w=16)
    names = write_pngs(tmp_path, images)
    source = tmp_path / 'list.txt'
    write_list(source, names, list(range(6)))
    gc.collect()
    base_threads = threads()
    nets = [image_data_net(tmp_path, str(source), 2, extra=f'root_folder: "{tmp_path}/"')
            for _ in range(4)]
    for net in nets:
        net.forward()
    assert threads() >= base_threads + 4  # one loading thread per data layer
    rss_with_nets = rss_mb()
    del net, nets
    gc.collect()
    assert threads() == base_threads
    assert rss_mb() <= rss_with_nets + 1


def test_deleted_nets_free_their_prefetch_buffers(tmp_path):
    """Nets whose ImageData layers hold 4 prefetched batches of 32 images 3x64x64 (with
    the top blob, 7.5 MB per net) are built, run and deleted again and again: their loading
    threads end every time and the process's memory does not grow -- a net whose batches
    were not freed would add 15 MB per round, 150 MB over the ten measured rounds."""
    images = random_images(32, h=64, w=64, seed=4)
    names = write_pngs(tmp_path, images)
    source = tmp_path / 'list.txt'
    write_list(source, names, list(range(32)))
    gc.collect()
    base_threads = threads()

    def round_trip():
        nets = [image_data_net(tmp_path, str(source), 32, extra=f'root_folder: "{tmp_path}/"')
                for _ in range(2)]
        for net in nets:
            net.forward()
            assert net.blobs['data'].data.shape == (32, 3, 64, 64)
        assert threads() == base_threads + 2
        del net, nets
        gc.collect()
        assert threads() == base_threads

    for _ in range(3):  # allocator pools reach their steady size
        round_trip()
    before = rss_mb()
    for _ in range(10):
        round_trip()
    assert rss_mb() - before < BOUND_MB
