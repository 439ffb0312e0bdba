"""caffe.proto compatibility: BVLC field numbers, the seed fork's fields, fixtures parse."""
import glob
import os

import pytest
from google.protobuf import text_format

import caffe
from caffe.proto import caffe_pb2
from conftest import FIXTURES

FIXTURE_FILES = sorted(glob.glob(os.path.join(FIXTURES, '*.prototxt')))


def _number(message, field):
    return message.DESCRIPTOR.fields_by_name[field].number


# Field numbers of BVLC Caffe's caffe.proto (public interface facts), written out here
# independently of our .proto so that a renumbering is caught.
BVLC_NUMBERS = [
    (caffe_pb2.BlobShape, 'dim', 1),
    (caffe_pb2.BlobProto, 'shape', 7), (caffe_pb2.BlobProto, 'data', 5),
    (caffe_pb2.BlobProto, 'diff', 6), (caffe_pb2.BlobProto, 'double_data', 8),
    (caffe_pb2.BlobProto, 'num', 1), (caffe_pb2.BlobProto, 'width', 4),
    (caffe_pb2.NetParameter, 'name', 1), (caffe_pb2.NetParameter, 'layer', 100),
    (caffe_pb2.NetParameter, 'input', 3), (caffe_pb2.NetParameter, 'input_shape', 8),
    (caffe_pb2.NetParameter, 'input_dim', 4), (caffe_pb2.NetParameter, 'force_backward', 5),
    (caffe_pb2.NetParameter, 'state', 6), (caffe_pb2.NetParameter, 'layers', 2),
    (caffe_pb2.LayerParameter, 'name', 1), (caffe_pb2.LayerParameter, 'type', 2),
    (caffe_pb2.LayerParameter, 'bottom', 3), (caffe_pb2.LayerParameter, 'top', 4),
    (caffe_pb2.LayerParameter, 'phase', 10), (caffe_pb2.LayerParameter, 'loss_weight', 5),
    (caffe_pb2.LayerParameter, 'param', 6), (caffe_pb2.LayerParameter, 'blobs', 7),
    (caffe_pb2.LayerParameter, 'include', 8), (caffe_pb2.LayerParameter, 'exclude', 9),
    (caffe_pb2.LayerParameter, 'convolution_param', 106),
    (caffe_pb2.LayerParameter, 'inner_product_param', 117),
    (caffe_pb2.LayerParameter, 'pooling_param', 121),
    (caffe_pb2.LayerParameter, 'input_param', 143),
    (caffe_pb2.LayerParameter, 'python_param', 130),
    (caffe_pb2.FillerParameter, 'type', 1), (caffe_pb2.FillerParameter, 'std', 6),
    (caffe_pb2.FillerParameter, 'variance_norm', 8),
    (caffe_pb2.SolverParameter, 'base_lr', 5), (caffe_pb2.SolverParameter, 'net', 24),
    (caffe_pb2.SolverParameter, 'type', 40), (caffe_pb2.SolverParameter, 'momentum2', 39),
    (caffe_pb2.SolverState, 'iter', 1), (caffe_pb2.SolverState, 'history', 3),
]


@pytest.mark.parametrize('message,field,number', BVLC_NUMBERS,
                         ids=[f'{m.__name__}.{f}' for m, f, _ in BVLC_NUMBERS])
def test_bvlc_field_numbers(message, field, number):
    assert _number(message, field) == number


def test_seed_fork_fields():
    L = caffe_pb2.LayerParameter
    assert _number(L, 'st_param') == 148
    assert _number(L, 'st_loss_param') == 145
    assert _number(L, 'power_file_param') == 146
    assert _number(L, 'loc_loss_param') == 147
    assert _number(caffe_pb2.FillerParameter, 'file') == 9
    st = caffe_pb2.SpatialTransformerParameter
    expected = {'transform_type': 1, 'sampler_type': 2, 'output_H': 3, 'output_W': 4,
                'to_compute_dU': 5, 'theta_1_1': 6, 'theta_1_2': 7, 'theta_1_3': 8,
                'theta_2_1': 9, 'theta_2_2': 10, 'theta_2_3': 11}
    for field, number in expected.items():
        assert _number(st, field) == number
    p = st()
    assert (p.transform_type, p.sampler_type, p.to_compute_dU) == ('affine', 'bilinear', True)
    assert _number(caffe_pb2.STLossParameter, 'output_H') == 1
    assert _number(caffe_pb2.PowerFileParameter, 'shift_file') == 1
    assert _number(caffe_pb2.LocLossParameter, 'threshold') == 1


def test_seed_fork_recurrent_fields():
    L = caffe_pb2.LayerParameter
    assert _number(L, 'lstm_param') == 201
    assert _number(L, 'repeat_param') == 202
    lstm = caffe_pb2.LstmParameter
    expected = {'num_output': 1, 'clipping_threshold': 2, 'weight_filler': 3,
                'bias_filler': 4, 'batch_size': 5}
    assert {f: _number(lstm, f) for f in expected} == expected
    assert lstm().batch_size == 1 and lstm().clipping_threshold == 0
    assert _number(caffe_pb2.RepeatParameter, 'num_repeats') == 1
    assert _number(caffe_pb2.RepeatParameter, 'axis') == 2
    assert caffe_pb2.RepeatParameter().axis == 1
    # BVLC's messages that had to move keep their own field numbers.
    assert _number(caffe_pb2.RecurrentParameter, 'expose_hidden') == 5
    assert _number(caffe_pb2.ClipParameter, 'max') == 2
    assert _number(caffe_pb2.SwishParameter, 'beta') == 1


def test_no_duplicate_layer_parameter_numbers():
    numbers = [f.number for f in caffe_pb2.LayerParameter.DESCRIPTOR.fields]
    assert len(numbers) == len(set(numbers))


def test_fixtures_are_in_the_repository():
    # The parametrised test below must not silently run over nothing.
    names = {os.path.basename(p) for p in FIXTURE_FILES}
    assert len(names) == 18
    assert {'mnist__lenet_train_test.prototxt', 'mnist__lenet_solver.prototxt',
            'bvlc_googlenet__train_val.prototxt', 'pycaffe__linreg.prototxt'} <= names


@pytest.mark.parametrize('path', FIXTURE_FILES, ids=os.path.basename)
def test_fixture_parses_in_python_and_cpp(path):
    text = open(path).read()
    kind = 'solver' if 'solver' in os.path.basename(path) else 'net'
    msg = caffe_pb2.SolverParameter() if kind == 'solver' else caffe_pb2.NetParameter()
    text_format.Merge(text, msg)
    from_cpp = type(msg)()
    from_cpp.ParseFromString(caffe._caffe._parse_text(text, kind))
    assert from_cpp == msg


def test_malformed_prototxt_reports_line_and_column():
    text = 'name: "x"\nlayer {\n  name: "a"\n  type: "Input"\n  bogus_field: 3\n}\n'
    with pytest.raises(caffe.ParseError, match=r'line 5, column [0-9]+.*bogus_field'):
        caffe.Net.from_string(text, caffe.TEST)
