"""Resource limits: shapes whose element count overflows, and nets that ask for more memory
than the machine has, are refused with caffe.ShapeError / MemoryError naming the layer (and
the blob) before anything is allocated; an allocation that fails, or a std::bad_alloc,
is a MemoryError too. The process lives on and later nets work.

Sizes are chosen so that nothing large is ever allocated: the refusals come before, and
the inputs that must stay valid have a zero-sized axis or are only reshaped, never used."""
import os
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import caffe
from conftest import ROOT, require_tool
from test_caffe_cli import assert_one_line_error

INT_MAX = 2**31 - 1  # the most elements a blob holds (its count is an int, as in Caffe)


def machine_memory():
    """RAM plus swap in bytes, read here without the library: the library's limit is at
    most this (a resource or cgroup limit can only lower it)."""
    ram = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    with open('/proc/meminfo') as f:
        swap = next(int(line.split()[1]) * 1024 for line in f if line.startswith('SwapTotal:'))
    return ram + swap


def input_layer(shapes):
    """An Input layer 'in' with tops x0, x1, ... of these shapes."""
    body = ' '.join(f'top: "x{i}"' for i in range(len(shapes)))
    dims = ' '.join('shape { ' + ' '.join(f'dim: {d}' for d in s) + ' }' for s in shapes)
    return f'layer {{ name: "in" type: "Input" {body} input_param {{ {dims} }} }}\n'


def build(text):
    return caffe.Net.from_string('name: "limits"\n' + text, caffe.TEST)


def assert_a_normal_net_still_works():
    """After a refusal the process computes as before: a small InnerProduct net against
    numpy."""
    net = build(input_layer([(2, 3)]) + '''layer { name: "ip" type: "InnerProduct" bottom: "x0"
        top: "y" inner_product_param { num_output: 4 } }''')
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 3), rng.randn(4, 3), rng.randn(4)
    net.blobs['x0'].data[...] = x
    net.params['ip'][0].data[...] = w
    net.params['ip'][1].data[...] = b
    np.testing.assert_allclose(net.forward()['y'], x @ w.T + b, rtol=1e-5, atol=1e-6)


# ---- element counts beyond a blob's -------------------------------------------------------

@pytest.mark.parametrize('shape', [(65536, 65536, 65536), (2**40,), (3, INT_MAX)])
def test_input_shape_with_too_many_elements(shape):
    with pytest.raises(caffe.ShapeError, match=r"layer 'in' \(Input\): top 'x0': shape \(" +
                       ' '.join(map(str, shape)) + rf"\) has more than {INT_MAX} elements"):
        build(input_layer([shape]))
    assert_a_normal_net_still_works()


def test_a_zero_sized_axis_does_not_hide_an_overflow():
    # 0 elements, but the count of the axes after the first (65536 * 65536) is no int
    with pytest.raises(caffe.ShapeError, match=r"top 'x0': shape \(0 65536 65536\) has more than"):
        build(input_layer([(0, 65536, 65536)]))
    net = build(input_layer([(0, 1000, 1000)]))   # a zero batch of valid rows is fine
    assert net.blobs['x0'].data.shape == (0, 1000, 1000)


def test_negative_and_too_many_axes():
    with pytest.raises(caffe.ShapeError, match=r"top 'x0': shape \(2 -1\) has the negative size -1"):
        build(input_layer([(2, -1)]))
    with pytest.raises(caffe.ShapeError, match=r"top 'x0': shape \(1( 1){32}\) has 33 axes"):
        build(input_layer([(1,) * 33]))


def test_dummy_data_shape_overflow_names_layer_and_top():
    with pytest.raises(caffe.ShapeError, match=r"layer 'd' \(DummyData\): top 'big': shape "
                                               r"\(100000 100000\) has more than"):
        build('''layer { name: "d" type: "DummyData" top: "small" top: "big"
            dummy_data_param { shape { dim: 2 } shape { dim: 100000 dim: 100000 } } }''')


def test_dummy_data_legacy_size_beyond_int():
    with pytest.raises(caffe.ShapeError, match=r"'d' \(DummyData\): top 0: dummy_data_param "
                                               r"size 3000000000 is larger than 2147483647"):
        build('''layer { name: "d" type: "DummyData" top: "y" dummy_data_param {
            num: 3000000000 channels: 1 height: 1 width: 1 } }''')


def test_inner_product_weights_too_large():
    # 100000 outputs of 100000 inputs: 1e10 weights
    with pytest.raises(caffe.ShapeError, match=r"layer 'ip' \(InnerProduct\): a parameter or "
                                               r"internal blob: shape \(100000 100000\) has more"):
        build(input_layer([(1, 100000)]) + '''layer { name: "ip" type: "InnerProduct"
            bottom: "x0" top: "y" inner_product_param { num_output: 100000 } }''')
    assert_a_normal_net_still_works()


def test_inner_product_num_output_beyond_int():
    with pytest.raises(caffe.ParseError, match=r"'ip' \(InnerProduct\): inner_product_param."
                                               r"num_output must be in \[1, 2147483647\], got 3000000000"):
        build(input_layer([(1, 4)]) + '''layer { name: "ip" type: "InnerProduct"
            bottom: "x0" top: "y" inner_product_param { num_output: 3000000000 } }''')


def test_convolution_weights_too_large():
    with pytest.raises(caffe.ShapeError, match=r"'conv' \(Convolution\): a parameter or internal "
                                               r"blob: shape \(50000 50000 1 1\)"):
        build(input_layer([(1, 50000, 2, 2)]) + '''layer { name: "conv" type: "Convolution"
            bottom: "x0" top: "y" convolution_param { num_output: 50000 kernel_size: 1 } }''')


def test_convolution_columns_too_large():
    # one image's im2col columns: (64 * 7 * 7) x (2042 * 2042) = 1.3e10 values; the input
    # (2.7e8 values) is only shaped, never allocated
    cols = 64 * 7 * 7 * 2042 * 2042
    assert cols > INT_MAX
    with pytest.raises(caffe.ShapeError, match=rf"'conv' \(Convolution\): the im2col columns of "
                                               rf"one image .* would hold {cols} elements"):
        build(input_layer([(1, 64, 2048, 2048)]) + '''layer { name: "conv" type: "Convolution"
            bottom: "x0" top: "y" convolution_param { num_output: 1 kernel_size: 7 } }''')


@pytest.mark.parametrize('layer_type', ['Convolution', 'Im2col'])
def test_dilated_kernel_beyond_int_is_refused(layer_type):
    # The padded input (4 + 2 * 2147483647) holds the dilated kernel (2 * 2147483647 + 1),
    # so the output is 4x4, but positions in the im2col loops would overflow an int.
    with pytest.raises(caffe.ShapeError, match=rf"'c' \({layer_type}\): the height geometry .*"
                                               r"is too large"):
        build(input_layer([(1, 1, 4, 4)]) + f'''layer {{ name: "c" type: "{layer_type}"
            bottom: "x0" top: "y" convolution_param {{ num_output: 1 kernel_size: 3
            dilation: 2147483647 pad: 2147483647 }} }}''')


def test_convolution_setting_beyond_int():
    with pytest.raises(caffe.ParseError, match=r"'c' \(Convolution\): pad 3000000000 is larger"):
        build(input_layer([(1, 1, 4, 4)]) + '''layer { name: "c" type: "Convolution"
            bottom: "x0" top: "y" convolution_param { num_output: 1 kernel_size: 3
            pad: 3000000000 } }''')


def test_pooling_geometry_beyond_int():
    # pad < kernel as required, but 4 + 2 * pad overflows an int
    with pytest.raises(caffe.ShapeError, match=r"'p' \(Pooling\): the padded input 4x4 \+ "
                                               r"2\*\(1999999999x1999999999\) plus the stride"):
        build(input_layer([(1, 1, 4, 4)]) + '''layer { name: "p" type: "Pooling" bottom: "x0"
            top: "y" pooling_param { kernel_size: 2000000000 pad: 1999999999 } }''')
    with pytest.raises(caffe.ParseError, match=r"'p' \(Pooling\): pooling_param.kernel "
                                               r"3000000000 is larger than 2147483647"):
        build(input_layer([(1, 1, 4, 4)]) + '''layer { name: "p" type: "Pooling" bottom: "x0"
            top: "y" pooling_param { kernel_size: 3000000000 } }''')


def test_concat_axis_beyond_int():
    # Two empty bottoms whose concatenated axis would be 3e9 long.
    with pytest.raises(caffe.ShapeError, match=r"'cat' \(Concat\): the output would have size "
                                               r"3000000000 on the concat axis 1"):
        build(input_layer([(0, 1500000000), (0, 1500000000)]) + '''layer { name: "cat"
            type: "Concat" bottom: "x0" bottom: "x1" top: "y" }''')


def test_tile_beyond_int():
    with pytest.raises(caffe.ShapeError, match=r"'t' \(Tile\): tiling axis 1 .* 2 times gives "
                                               r"the size 3000000000"):
        build(input_layer([(0, 1500000000)]) + '''layer { name: "t" type: "Tile" bottom: "x0"
            top: "y" tile_param { axis: 1 tiles: 2 } }''')


def test_reshape_to_more_elements_than_a_blob_holds():
    with pytest.raises(caffe.ShapeError, match=r"'r' \(Reshape\): reshape_param.shape asks for "
                                               r"more than 2147483647 elements"):
        build(input_layer([(2, 3)]) + '''layer { name: "r" type: "Reshape" bottom: "x0"
            top: "y" reshape_param { shape { dim: 2147483647 dim: 2147483647
            dim: 2147483647 dim: -1 } } }''')


def test_embed_sizes():
    with pytest.raises(caffe.ShapeError, match=r"'e' \(Embed\): a parameter or internal blob: "
                                               r"shape \(100000 100000\)"):
        build(input_layer([(4,)]) + '''layer { name: "e" type: "Embed" bottom: "x0" top: "y"
            embed_param { input_dim: 100000 num_output: 100000 } }''')
    with pytest.raises(caffe.ShapeError, match=r"'e' \(Embed\): embed_param.input_dim must be "
                                               r"in \[1, 2147483647\], got 3000000000"):
        build(input_layer([(4,)]) + '''layer { name: "e" type: "Embed" bottom: "x0" top: "y"
            embed_param { input_dim: 3000000000 num_output: 2 } }''')


def test_spp_on_a_tall_input():
    # An empty batch of 2147483646-row images: the pooling arithmetic (input + pads +
    # stride, the stride being as large as the input at level 0) would overflow an int
    with pytest.raises(caffe.ShapeError, match=r"'spp' \(SPP\): the input 2147483646x1 is too "
                                               r"large for pyramid level 0"):
        build(input_layer([(0, 1, 2147483646, 1)]) + '''layer { name: "spp" type: "SPP"
            bottom: "x0" top: "y" spp_param { pyramid_height: 3 } }''')


def test_repeat_beyond_int():
    with pytest.raises(caffe.ShapeError, match=r"'rep' \(Repeat\): cannot repeat rows of 100000 "
                                               r"values 100000 times"):
        build(input_layer([(1, 100000)]) + '''layer { name: "rep" type: "Repeat" bottom: "x0"
            top: "y" repeat_param { num_repeats: 100000 axis: 1 } }''')


def test_blob_reshape_from_python():
    net = build(input_layer([(2, 3)]))
    with pytest.raises(caffe.ShapeError, match=r"shape \(100000 100000\) has more than"):
        net.blobs['x0'].reshape(100000, 100000)
    assert net.blobs['x0'].data.shape == (2, 3)   # unchanged


# ---- more memory than the machine has ----------------------------------------------------

def tops_beyond_memory():
    """How many float tops of INT_MAX values (8 GiB each) exceed RAM + swap."""
    return machine_memory() // (4 * INT_MAX) + 1


def test_input_larger_than_memory_is_refused_before_allocation():
    n = tops_beyond_memory()
    with pytest.raises(MemoryError, match=r"layer 'in' \(Input\): its top 'x\d+' \(shape 1 "
                                          rf"{INT_MAX} \({INT_MAX}\)\) needs {4 * INT_MAX} bytes, "
                                          r"which brings the data of the net's blobs to \d+ bytes, "
                                          r"more than the \d+ bytes of memory"):
        build(input_layer([(1, INT_MAX)] * n))
    assert_a_normal_net_still_works()


def test_dummy_data_larger_than_memory_is_refused_before_filling():
    n = tops_beyond_memory()
    shapes = ' '.join(f'shape {{ dim: 1 dim: {INT_MAX} }}' for _ in range(n))
    tops = ' '.join(f'top: "y{i}"' for i in range(n))
    with pytest.raises(MemoryError, match=rf"layer 'd' \(DummyData\): its {n} top\(s\) need "
                                          rf"{n * 4 * INT_MAX} bytes"):
        build(f'''layer {{ name: "d" type: "DummyData" {tops} dummy_data_param {{ {shapes}
            data_filler {{ type: "constant" value: 1 }} }} }}''')
    assert_a_normal_net_still_works()


def test_reshaping_a_net_beyond_memory():
    """Growing the input of a built net: Net.reshape() refuses at the layer whose outputs
    no longer fit, and the net can be shaped back and used."""
    n = tops_beyond_memory()
    chain = ''.join(f'''layer {{ name: "p{i}" type: "Power" bottom: "{'x0' if i == 0 else f'p{i - 1}'}"
        top: "p{i}" power_param {{ scale: 2 }} }}\n''' for i in range(n))
    net = build(input_layer([(1, 3)]) + chain)
    net.blobs['x0'].reshape(1, INT_MAX)
    with pytest.raises(MemoryError, match=r"layer 'p\d+' \(Power\): its top 'p\d+' \(shape 1 "
                                          rf"{INT_MAX} "):
        net.reshape()
    net.blobs['x0'].reshape(1, 3)
    net.reshape()
    net.blobs['x0'].data[...] = [1, 2, 3]
    np.testing.assert_array_equal(net.forward()[f'p{n - 1}'], [[2**n, 2**(n + 1), 3 * 2**n]])


def test_caffe_command_prints_one_line(tmp_path):
    caffe_bin = require_tool('caffe')
    (tmp_path / 'net.prototxt').write_text(input_layer([(1, INT_MAX)] * tops_beyond_memory()))
    result = subprocess.run([caffe_bin, 'time', '-model', 'net.prototxt', '-iterations', '1'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert_one_line_error(result, "layer 'in' (Input): its top", 'bytes of memory this process')
    (tmp_path / 'wide.prototxt').write_text(input_layer([(65536, 65536, 65536)]))
    result = subprocess.run([caffe_bin, 'time', '-model', 'wide.prototxt', '-iterations', '1'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert_one_line_error(result, "layer 'in' (Input): top 'x0': shape (65536 65536 65536) has "
                                  "more than 2147483647 elements")


# ---- allocations that fail: an address-space limit in a child process ------------------

# A sanitizer's runtime reserves terabytes of address space for its shadow memory, so an
# address-space limit cannot be set under it (scripts/sanitize sets CAFFE_SANITIZER).
needs_plain_build = pytest.mark.skipif(
    bool(os.environ.get('CAFFE_SANITIZER')),
    reason='RLIMIT_AS cannot be used under a sanitizer runtime (its shadow memory)')

CHILD = textwrap.dedent(r'''
    import resource, sys
    import numpy as np
    import caffe

    def vm_size():
        with open('/proc/self/status') as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith('VmSize:'))

    def attempt(label, build):
        try:
            build()
        except MemoryError as e:
            print(label, 'MemoryError', str(e).replace('\n', ' '))
        else:
            print(label, 'no error')

    # A long definition to parse later: 10 MiB of text, several hundred bytes of protobuf
    # objects per 10-byte `layer { }` (made before the limit: Python needs its memory too).
    many_layers = 'name: "n"\n' + 'layer { }\n' * 1000000
    headroom = 256 << 20
    limit = vm_size() + headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    print('limit', limit)
    net = lambda text: caffe.Net.from_string(text, caffe.TEST)
    inputs = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 64 } } }\n'
    # weights larger than the limit: refused before they are allocated
    k = 1 << 14
    n = (limit // 4) // k + 1
    attempt('ip', lambda: net(inputs.replace('64', str(k)) + f'layer {{ name: "ip" '
        f'type: "InnerProduct" bottom: "x" top: "y" inner_product_param {{ num_output: {n} }} }}'))
    # within the limit, but more than the address space left: the allocation itself fails
    size = int(headroom * 1.5) // 4
    attempt('dummy', lambda: net(f'layer {{ name: "d" type: "DummyData" top: "y" '
        f'dummy_data_param {{ shape {{ dim: {size} }} }} }}'))
    # protobuf's objects for a long definition: std::bad_alloc
    attempt('parse', lambda: net(many_layers))
    x = np.arange(64, dtype=np.float32).reshape(1, 64)
    small = net(inputs + 'layer { name: "s" type: "Power" bottom: "x" top: "y" '
                'power_param { shift: 1 } }')
    small.blobs['x'].data[...] = x
    print('still works', bool((small.forward()['y'] == x + 1).all()))
''')


@needs_plain_build
def test_failed_allocations_are_memory_errors(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=os.path.join(ROOT, 'python'))
    out = subprocess.run([sys.executable, '-c', CHILD], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(' ', 1) for line in out.stdout.strip().splitlines())
    assert lines['ip'].startswith("MemoryError layer 'ip' (InnerProduct): cannot allocate "), lines
    assert 'more than the ' + lines['limit'] + ' bytes of memory' in lines['ip'], lines
    assert lines['dummy'].startswith("MemoryError layer 'd' (DummyData): out of memory "
                                     "allocating"), lines
    assert lines['parse'].startswith('MemoryError out of memory (std::bad_alloc)'), lines
    assert lines['still'] == 'works True', lines


def smallest_working_address_space(cmd, cwd, env):
    """The smallest RLIMIT_AS (to 8 MiB) under which `cmd` runs to status 0: what the binary
    and its shared libraries need to start (a CUDA build maps several hundred MiB of cuBLAS
    and cuDNN before main)."""
    def runs(limit):
        try:
            result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=15,
                                    preexec_fn=lambda: resource.setrlimit(
                                        resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY)))
        except subprocess.TimeoutExpired:
            # OpenBLAS's library constructor (before main) retries its buffer allocation
            # forever when the address space is a little too small: too small, then.
            return False
        return result.returncode == 0
    low, high = 0, 8 << 30
    assert runs(high), f'{cmd} fails even with 8 GiB of address space'
    while high - low > (8 << 20):
        middle = (low + high) // 2
        if runs(middle):
            high = middle
        else:
            low = middle
    return high


@needs_plain_build
def test_caffe_command_out_of_memory_is_one_line(tmp_path):
    """std::bad_alloc in the caffe command (protobuf's objects for a long definition, with
    256 MiB of address space beyond what the command needs for a small net): one line and
    status 1, not an abort."""
    caffe_bin = require_tool('caffe')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    (tmp_path / 'small.prototxt').write_text(
        'name: "n"\nlayer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 '
        'dim: 4 } } }\nlayer { name: "p" type: "Power" bottom: "x" top: "y" }\n')
    base = smallest_working_address_space(
        [caffe_bin, 'time', '-model', 'small.prototxt', '-iterations', '1'], tmp_path, env)
    # 10 MiB of text, several hundred bytes of protobuf objects per 10-byte `layer { }`
    (tmp_path / 'long.prototxt').write_text('name: "n"\n' + 'layer { }\n' * 1000000)
    limit = base + (256 << 20)

    result = subprocess.run([caffe_bin, 'time', '-model', 'long.prototxt'], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, env=env,
                            preexec_fn=lambda: resource.setrlimit(
                                resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY)))
    assert_one_line_error(result, 'caffe: out of memory (std::bad_alloc)')
