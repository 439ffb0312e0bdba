"""End to end with the `caffe` command: a classifier whose test accuracy rises, trained
from DummyData (labels from a frozen teacher), from an ImageData list file, and from an
LMDB written by convert_imageset -- all from real logs parsed by tools/extra/parse_log.py."""
import importlib.util
import subprocess

import numpy as np

from conftest import require_tool
from test_caffe_cli import CAFFE, ROOT, _caffe_built  # noqa: F401 (autouse: fails when unbuilt)

spec = importlib.util.spec_from_file_location('parse_log', ROOT / 'tools' / 'extra' / 'parse_log.py')
parse_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parse_log)

TEACHER_NET = """
name: "teacher_classes"
layer { name: "data" type: "DummyData" top: "x"
  dummy_data_param { shape { dim: 32 dim: 8 } data_filler { type: "gaussian" std: 1 } } }
layer { name: "teacher" type: "InnerProduct" bottom: "x" top: "scores"
  param { lr_mult: 0 } param { lr_mult: 0 }
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "labels" type: "ArgMax" bottom: "scores" top: "label" }
layer { name: "student" type: "InnerProduct" bottom: "x" top: "pred"
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "pred" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "pred" bottom: "label" top: "accuracy"
  include { phase: TEST } }
"""

SOLVER = """
net: "{net}"
test_iter: 5
test_interval: {interval}
test_initialization: true
base_lr: {lr}
momentum: 0.9
lr_policy: "fixed"
display: 10
max_iter: {iters}
snapshot_after_train: false
random_seed: 7
"""


def train(tmp_path, net_text, iters=80, interval=40, lr=0.1):
    (tmp_path / 'net.prototxt').write_text(net_text)
    (tmp_path / 'solver.prototxt').write_text(
        SOLVER.format(net='net.prototxt', iters=iters, interval=interval, lr=lr))
    result = subprocess.run([CAFFE, 'train', '-solver=solver.prototxt'], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = tmp_path / 'train.log'
    log.write_text(result.stderr)
    return parse_log.parse_log(str(log))


def test_accuracy_rises_and_loss_falls_on_a_synthetic_task(tmp_path):
    train_rows, test_rows = train(tmp_path, TEACHER_NET)
    assert test_rows[0]['NumIters'] == 0 and test_rows[-1]['NumIters'] == 80
    assert test_rows[0]['accuracy'] < 0.6
    assert test_rows[-1]['accuracy'] > 0.85
    assert train_rows[-1]['loss'] < 0.5 * train_rows[0]['loss']


def write_bar_images(folder, n_per_class=24, size=16, seed=0):
    """Two classes of 16x16 gray PNGs: a horizontal bar (0) or a vertical bar (1), with
    noise, at random positions. Returns the list-file lines."""
    import skimage.io
    rng = np.random.RandomState(seed)
    lines = []
    for label in (0, 1):
        for i in range(n_per_class):
            img = (rng.rand(size, size) * 60).astype(np.uint8)
            pos = rng.randint(2, size - 2)
            if label == 0:
                img[pos - 1:pos + 1, :] = 230
            else:
                img[:, pos - 1:pos + 1] = 230
            name = f'class {label}/img {i}.png'        # spaces on purpose
            (folder / f'class {label}').mkdir(parents=True, exist_ok=True)
            skimage.io.imsave(str(folder / name), img, check_contrast=False)
            lines.append(f'{name} {label}')
    rng.shuffle(lines)
    return lines


IMAGE_NET = """
name: "bars"
layer {{ name: "data" type: "{type}" top: "data" top: "label"
  transform_param {{ scale: 0.00390625 }}
  {param} }}
layer {{ name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param {{ num_output: 4 kernel_size: 3 weight_filler {{ type: "xavier" }} }} }}
layer {{ name: "pool" type: "Pooling" bottom: "conv" top: "pool"
  pooling_param {{ pool: MAX kernel_size: 2 stride: 2 }} }}
layer {{ name: "relu" type: "ReLU" bottom: "pool" top: "pool" }}
layer {{ name: "ip" type: "InnerProduct" bottom: "pool" top: "ip"
  inner_product_param {{ num_output: 2 weight_filler {{ type: "xavier" }} }} }}
layer {{ name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }}
layer {{ name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy"
  include {{ phase: TEST }} }}
"""


def check_learned(test_rows):
    assert test_rows[0]['accuracy'] <= 0.75
    assert test_rows[-1]['accuracy'] >= 0.9


def test_imagedata_net_trains_from_a_list_file(tmp_path):
    lines = write_bar_images(tmp_path / 'images')
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    param = ('image_data_param { source: "list.txt" root_folder: "images/" batch_size: 16 '
             'shuffle: true is_color: false }')
    _, test_rows = train(tmp_path, IMAGE_NET.format(type='ImageData', param=param),
                         iters=60, interval=60, lr=0.05)
    check_learned(test_rows)


def test_data_net_trains_from_convert_imageset_lmdb(tmp_path):
    lines = write_bar_images(tmp_path / 'images', seed=1)
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    tool = require_tool('convert_imageset')
    done = subprocess.run([tool, '-gray', 'images/', 'list.txt', 'bars_lmdb'],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    param = 'data_param { source: "bars_lmdb" backend: LMDB batch_size: 16 }'
    _, test_rows = train(tmp_path, IMAGE_NET.format(type='Data', param=param),
                         iters=60, interval=60, lr=0.05)
    check_learned(test_rows)
