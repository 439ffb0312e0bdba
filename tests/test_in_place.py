"""In-place computation (a top that is also a bottom): allowed where a layer's passes are
element-wise, refused with ShapeError naming the layer where they are not -- explicitly
(SpatialTransformer, Convolution, Deconvolution, Pooling, InnerProduct) or because the
layer's output shape differs from its input's (any layer)."""
import numpy as np
import pytest

import caffe


def in_place_net(layer_body, shape=(2, 3, 6, 6), extra_inputs=''):
    dims = ' '.join(f'dim: {d}' for d in shape)
    text = f'''name: "inplace"
layer {{ name: "in" type: "Input" top: "d" input_param {{ shape {{ {dims} }} }} }}
{extra_inputs}
layer {{ name: "victim" {layer_body} }}'''
    return caffe.Net.from_string(text, caffe.TRAIN)


@pytest.mark.parametrize('body', [
    # same output shape, so only the explicit refusal catches them
    'type: "SpatialTransformer" bottom: "d" top: "d" st_param { theta_1_1: 1 theta_1_2: 0 '
    'theta_1_3: 0 theta_2_1: 0 theta_2_2: 1 theta_2_3: 0 }',
    'type: "Convolution" bottom: "d" top: "d" convolution_param { num_output: 3 kernel_size: 3 pad: 1 }',
    'type: "Deconvolution" bottom: "d" top: "d" convolution_param { num_output: 3 kernel_size: 3 pad: 1 }',
    'type: "Pooling" bottom: "d" top: "d" pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 1 }',
    'type: "InnerProduct" bottom: "d" top: "d" inner_product_param { num_output: 6 axis: -1 }',
])
def test_layers_that_read_while_writing_refuse(body):
    with pytest.raises(caffe.ShapeError, match=r"layer 'victim' \(\w+\): cannot run in place"):
        in_place_net(body)


def test_spatial_transformer_with_theta_bottom_refuses():
    theta = ('layer { name: "th" type: "Input" top: "theta" '
             'input_param { shape { dim: 2 dim: 6 } } }')
    with pytest.raises(caffe.ShapeError, match=r"'victim' \(SpatialTransformer\).*in place"):
        in_place_net('type: "SpatialTransformer" bottom: "d" bottom: "theta" top: "d"',
                     extra_inputs=theta)


def test_shape_change_in_place_is_refused_for_any_layer():
    # A loss layer has no in-place rule of its own; writing its scalar over an input would
    # reshape that input.
    other = 'layer { name: "e_in" type: "Input" top: "e" input_param { shape { dim: 2 dim: 3 dim: 6 dim: 6 } } }'
    with pytest.raises(caffe.ShapeError,
                       match=r"'victim' \(EuclideanLoss\): cannot run in place: its output "
                             r"shape .* differs from its input's 2 3 6 6"):
        in_place_net('type: "EuclideanLoss" bottom: "d" bottom: "e" top: "d"', extra_inputs=other)


@pytest.mark.parametrize('body,ref', [
    ('type: "ReLU" bottom: "d" top: "d"', lambda x: np.maximum(x, 0)),
    ('type: "Power" bottom: "d" top: "d" power_param { power: 2 scale: 0.5 shift: 1 }',
     lambda x: (0.5 * x + 1) ** 2),
    ('type: "Scale" bottom: "d" top: "d" scale_param { filler { type: "constant" value: 3 } }',
     lambda x: 3 * x),
])
def test_element_wise_layers_still_run_in_place(body, ref):
    net = in_place_net(body)
    x = np.random.RandomState(0).randn(2, 3, 6, 6)
    net.blobs['d'].data[...] = x
    net.forward()
    np.testing.assert_allclose(net.blobs['d'].data, ref(x), rtol=1e-5, atol=1e-6)
