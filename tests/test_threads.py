"""Threads: pycaffe releases the GIL while a net computes, so two Python threads each
running its own net overlap and give exactly what running them one after the other gives;
two threads sharing one net take turns (the net computes under a lock) instead of
corrupting its buffers."""
import threading

import numpy as np

import caffe

NET = '''name: "t" force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 8 dim: 3 dim: 20 dim: 20 } } }
layer { name: "conv" type: "Convolution" bottom: "x" top: "c"
  convolution_param { num_output: 16 kernel_size: 3 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "c" top: "c" }
layer { name: "pool" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "lrn" type: "LRN" bottom: "p" top: "n" lrn_param { local_size: 5 } }
layer { name: "ip" type: "InnerProduct" bottom: "n" top: "y"
  inner_product_param { num_output: 10 weight_filler { type: "gaussian" std: 0.1 } } }
'''


def make_net(seed):
    caffe.set_random_seed(seed)
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    net.blobs['x'].data[...] = np.random.RandomState(seed).randn(8, 3, 20, 20)
    return net


def run(net, repeats):
    """Forward and backward `repeats` times; returns the last output and input gradient."""
    for _ in range(repeats):
        net.forward()
        net.blobs['y'].diff[...] = 1.0
        net.backward()
    return net.blobs['y'].data.copy(), net.blobs['x'].diff.copy()


def test_two_threads_with_their_own_nets_match_sequential_runs():
    sequential = [run(make_net(seed), 20) for seed in (1, 2)]
    nets = [make_net(seed) for seed in (1, 2)]
    results = [None, None]

    def work(i):
        caffe.set_mode_cpu()  # the mode is per thread, as in Caffe
        results[i] = run(nets[i], 20)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, sequential):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_one_net_shared_by_two_threads_is_never_corrupted():
    """Parameter gradients accumulate across backward passes: after two threads made 25
    passes each on one net, every parameter's diff is 50 times one pass's -- only if the
    passes did not interleave."""
    net = make_net(3)
    for p in net.params['conv'] + net.params['ip']:
        p.diff[...] = 0
    run(net, 1)
    once = [p.diff.copy() for p in net.params['conv'] + net.params['ip']]
    for p in net.params['conv'] + net.params['ip']:
        p.diff[...] = 0

    def work():
        caffe.set_mode_cpu()
        run(net, 25)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p, g in zip(net.params['conv'] + net.params['ip'], once):
        np.testing.assert_allclose(p.diff, 50 * g, rtol=1e-4, atol=1e-4 * np.abs(g).max())
