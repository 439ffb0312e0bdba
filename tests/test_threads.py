"""Threads: pycaffe releases the GIL while a net or a solver computes, so two Python
threads each running its own net and solver overlap in time and give exactly what running
them one after the other gives; two threads sharing one net or one solver take turns (each
computes under a lock; a solver iteration is one turn) instead of corrupting its buffers."""
import subprocess
import sys
import threading
import time

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


def make_net(seed, text=NET):
    caffe.set_random_seed(seed)
    net = caffe.Net.from_string(text, caffe.TRAIN)
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
    passes did not interleave. The threads only call the net: the output's gradient comes
    from a loss weight, not from Python writing into the blob, since touching a blob's
    arrays while another thread runs the net is a data race that no lock in the net can
    prevent (ThreadSanitizer, scripts/sanitize --thread, reports it)."""
    net = make_net(3, NET.replace('top: "y"', 'top: "y" loss_weight: 1'))
    for p in net.params['conv'] + net.params['ip']:
        p.diff[...] = 0
    net.forward()
    net.backward()
    once = [p.diff.copy() for p in net.params['conv'] + net.params['ip']]
    for p in net.params['conv'] + net.params['ip']:
        p.diff[...] = 0

    def work():
        caffe.set_mode_cpu()
        for _ in range(25):
            net.forward()
            net.backward()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p, g in zip(net.params['conv'] + net.params['ip'], once):
        np.testing.assert_allclose(p.diff, 50 * g, rtol=1e-4, atol=1e-4 * np.abs(g).max())


# A training net whose every iteration draws random numbers (DummyData's filler, Dropout's
# mask) from the Caffe RNG of the thread that runs it, seeded by the solver's random_seed.
TRAIN_NET = """name: "noisy" force_backward: true
layer { name: "data" type: "DummyData" top: "x" top: "t"
  dummy_data_param { shape { dim: 16 dim: 12 } shape { dim: 16 dim: 4 }
                     data_filler { type: "gaussian" std: 1 } data_filler { type: "uniform" } } }
layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "h"
  inner_product_param { num_output: 32 weight_filler { type: "xavier" } } }
layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
layer { name: "drop" type: "Dropout" bottom: "h" top: "h" dropout_param { dropout_ratio: 0.3 } }
layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "y"
  inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }
"""


def write_solver(folder, seed, net_text=TRAIN_NET):
    (folder / f'net{seed}.prototxt').write_text(net_text)
    path = folder / f'solver{seed}.prototxt'
    path.write_text(f'net: "{folder}/net{seed}.prototxt"\nbase_lr: 0.01\nmomentum: 0.9\n'
                    f'lr_policy: "fixed"\nmax_iter: 1000\ndisplay: 0\nsnapshot: 0\n'
                    f'random_seed: {seed}\n')
    return str(path)


def solver_params(solver):
    return [p.data.copy() for name in ('ip1', 'ip2') for p in solver.net.params[name]]


def own_work(solver_file, seed, intervals, record):
    """What one thread does with its own solver and net: 30 solver steps and 30 forward
    and backward passes, interleaved. With `record`, the (start, end) of every call into
    caffe is appended to `intervals`. Returns the final weights, output and input gradient."""
    caffe.set_mode_cpu()  # the mode is per thread, as in Caffe
    solver = caffe.get_solver(solver_file)  # seeds this thread's RNG (random_seed)
    net = make_net(seed)  # and so does this (with the same seed)
    for _ in range(30):
        t0 = time.perf_counter()
        solver.step(1)
        t1 = time.perf_counter()
        net.forward()
        t2 = time.perf_counter()
        net.blobs['y'].diff[...] = 1.0
        t3 = time.perf_counter()
        net.backward()
        t4 = time.perf_counter()
        if record:
            intervals += [(t0, t1), (t1, t2), (t3, t4)]
    return solver_params(solver) + [net.blobs['y'].data.copy(), net.blobs['x'].diff.copy()]


def test_two_threads_with_their_own_solvers_overlap_and_match_sequential_runs(tmp_path):
    """Bit-identical results, and proof that the GIL is released: with a switch interval
    of 1000 s, CPython never takes the GIL from a thread that runs Python code, so the
    other thread can start a call while one is inside caffe only if caffe released it.
    Each call is bracketed by timestamps taken in Python; two brackets of different
    threads that overlap show both threads were inside caffe at once. (With the default
    5 ms switch interval, calls that keep the GIL overlap too -- a thread can lose the GIL
    between its timestamp and its call -- as the control below would show.)"""
    files = [write_solver(tmp_path, seed) for seed in (11, 12)]
    sequential = [own_work(f, seed, None, False) for f, seed in zip(files, (11, 12))]
    results, intervals, errors = [None, None], [[], []], []

    def work(i):
        try:
            results[i] = own_work(files[i], (11, 12)[i], intervals[i], True)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    def gil_holder(i):  # the control: a call that keeps the GIL (a builtin's C loop)
        for _ in range(90):
            t0 = time.perf_counter()
            sum(range(20000))
            control[i].append((t0, time.perf_counter()))

    control = [[], []]
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        for target in (work, gil_holder):
            threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert not errors, errors
    for got, want in zip(results, sequential):
        assert len(got) == len(want) == 6
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    # the two runs differ from each other (different seeds), so the comparison means something
    assert not np.array_equal(results[0][0], results[1][0])
    def overlaps(a, b):
        return sum(1 for a0, a1 in a for b0, b1 in b if a0 < b1 and b0 < a1)

    assert len(intervals[0]) == len(intervals[1]) == len(control[0]) == len(control[1]) == 90
    assert overlaps(*control) == 0  # the measurement tells a call that keeps the GIL
    assert overlaps(*intervals) > 0, 'no call of one thread overlapped a call of the other: the GIL was held'


def test_one_solver_shared_by_two_threads_takes_turns(tmp_path):
    """Two threads step one solver 20 times each while a third runs forward and backward on
    its training net: the weights are exactly those of 40 steps in one thread (each
    iteration -- clear gradients, forward, backward, update -- is one turn, and the third
    thread's gradients, cleared at the start of every iteration, never reach an update)."""
    net_text = NET.replace('name: "t"', 'name: "fixed"') + (
        'layer { name: "target" type: "DummyData" top: "t"\n'
        '  dummy_data_param { shape { dim: 8 dim: 10 } data_filler { type: "constant" value: 0.5 } } }\n'
        'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }\n')
    x = np.random.RandomState(5).randn(8, 3, 20, 20)

    def make_solver():
        solver = caffe.get_solver(write_solver(tmp_path, 21, net_text))
        solver.net.blobs['x'].data[...] = x
        return solver

    reference = make_solver()
    reference.step(40)
    want = [p.data.copy() for name in ('conv', 'ip') for p in reference.net.params[name]]

    solver = make_solver()
    stop = threading.Event()
    errors = []

    def stepper():
        try:
            caffe.set_mode_cpu()
            for _ in range(20):
                solver.step(1)
        except BaseException as e:
            errors.append(e)

    def meddler():
        try:
            caffe.set_mode_cpu()
            net = solver.net
            while not stop.is_set():
                net.forward()
                net.backward()
        except BaseException as e:
            errors.append(e)

    steppers = [threading.Thread(target=stepper) for _ in range(2)]
    third = threading.Thread(target=meddler)
    third.start()
    for t in steppers:
        t.start()
    for t in steppers:
        t.join()
    stop.set()
    third.join()
    assert not errors, errors
    assert solver.iter == 40
    got = [p.data.copy() for name in ('conv', 'ip') for p in solver.net.params[name]]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


# Run in a child process: before the fix, this deadlocked (the second thread held the GIL
# while waiting for the net's lock, which the first held while waiting for the GIL in its
# Python hook), and a deadlocked process cannot even report a failure.
NO_DEADLOCK = """
import sys, threading, numpy as np
sys.path[:0] = {path!r}
import caffe
caffe.set_mode_cpu()
net = caffe.Net.from_string({net!r}, caffe.TRAIN)
net.blobs['x'].data[...] = np.random.RandomState(0).randn(*net.blobs['x'].data.shape)
calls = []
net.before_forward(lambda i: calls.append(i))   # Python code inside every forward pass
net.save({weights!r})
done = threading.Event()

def forwards():
    caffe.set_mode_cpu()
    for _ in range(200):
        net.forward()
        net.backward()
    done.set()

t = threading.Thread(target=forwards)
t.start()
n = 0
while not done.is_set():
    net.clear_param_diffs(); net.save({weights!r}); net.copy_from({weights!r})
    net._net.update(); net._net.to_proto_string()   # bindings with no pycaffe wrapper
    if n < 20:
        net.after_backward(lambda i: None)
    n += 1
t.join()
print('ok', n, len(calls), len(net.layers), flush=True)
"""


def test_net_calls_from_two_threads_never_deadlock_with_python_hooks(tmp_path):
    script = NO_DEADLOCK.format(path=sys.path, net=NET, weights=str(tmp_path / 'w.caffemodel'))
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    words = result.stdout.split()
    assert words[0] == 'ok' and int(words[1]) > 0
    assert int(words[2]) == 200 * int(words[3])  # every layer's hook ran on every pass
