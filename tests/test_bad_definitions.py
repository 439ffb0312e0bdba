"""Definitions that are not just wrong but hostile: bytes that are not UTF-8, geometry
whose arithmetic would overflow 32 bits. Each is a clear caffe error, never a crash, a
UnicodeDecodeError or a silently wrong shape."""
import numpy as np
import pytest

import caffe


def test_invalid_utf8_is_a_parse_error_with_its_position(tmp_path):
    path = tmp_path / 'bad.prototxt'
    path.write_bytes(b'name: "ok"\n# caf\xe9 (Latin-1, not UTF-8)\nlayer { name: "x" type: "Input" }\n')
    with pytest.raises(caffe.ParseError, match=r'line 2 column 6: the text is not valid UTF-8 '
                                               r'\(byte 0xE9\)'):
        caffe.Net(str(path), caffe.TEST)


@pytest.mark.parametrize('text,where', [
    (b'name: "\xc3\x28"', 'line 1 column 8'),            # a lead byte without continuation
    (b'name: "a"\n\n  \xed\xa0\x80', 'line 3 column 3'),  # an encoded surrogate
    (b'name: "\xf0\x9f\x98"', 'line 1 column 8'),         # truncated 4-byte sequence
])
def test_other_invalid_sequences(tmp_path, text, where):
    path = tmp_path / 'bad.prototxt'
    path.write_bytes(text)
    with pytest.raises(caffe.ParseError, match=where + r': the text is not valid UTF-8'):
        caffe.Net(str(path), caffe.TEST)


def test_valid_multibyte_text_still_parses(tmp_path):
    path = tmp_path / 'ok.prototxt'
    path.write_text('name: "réseau ✓ 网络"\n# commentaire: café\n'
                    'layer { name: "x" type: "Input" top: "x" '
                    'input_param { shape { dim: 1 } } }\n', encoding='utf-8')
    net = caffe.Net(str(path), caffe.TEST)
    assert net.blobs['x'].data.shape == (1,)


def net_with(layer_text, shape=(1, 1, 4, 4)):
    dims = ' '.join(f'dim: {d}' for d in shape)
    return caffe.Net.from_string(f'''name: "n" layer {{ name: "in" type: "Input" top: "x"
      input_param {{ shape {{ {dims} }} }} }}
      layer {{ name: "c" bottom: "x" top: "y" {layer_text} }}''', caffe.TEST)


def test_huge_dilation_is_refused_not_wrapped():
    # dilation * (kernel - 1) + 1 overflows 32 bits: the kernel is far larger than the input
    with pytest.raises(caffe.ShapeError, match=r"'c' \(Convolution\).*larger than the padded"):
        net_with('type: "Convolution" convolution_param { num_output: 1 kernel_size: 3 '
                 'dilation: 2147483647 }')


def test_huge_padding_output_too_large():
    with pytest.raises(caffe.ShapeError, match=r"'c' \(Convolution\).*would be .*too large"):
        net_with('type: "Convolution" convolution_param { num_output: 1 kernel_size: 1 '
                 'pad: 2000000000 }')


def test_huge_deconvolution_output_is_refused():
    with pytest.raises(caffe.ShapeError, match=r"'c' \(Deconvolution\).*output height would be"):
        net_with('type: "Deconvolution" convolution_param { num_output: 1 kernel_size: 3 '
                 'stride: 2000000000 }')
