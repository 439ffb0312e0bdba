"""caffe.Classifier, caffe.Detector and tools/classify.py against numpy references."""
import os
import subprocess
import sys

import numpy as np
import pytest

import caffe
from caffe.io import oversample, resize_image
from conftest import ROOT

RNG = np.random.RandomState(11)
DEPLOY = '''name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 dim: 6 dim: 6 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.05 }
                        bias_filler { type: "gaussian" std: 0.1 } } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
'''
MEAN = np.array([0.3, 0.5, 0.7]) * 255


@pytest.fixture
def model(tmp_path):
    deploy = tmp_path / 'deploy.prototxt'
    deploy.write_text(DEPLOY)
    net = caffe.Net(str(deploy), caffe.TEST)
    weights = tmp_path / 'w.caffemodel'
    net.save(str(weights))
    return str(deploy), str(weights), net.params['ip'][0].data.copy(), net.params['ip'][1].data.copy()


def reference_scores(crops, w, b):
    """Crops (N, 6, 6, 3) RGB in [0, 1] -> BGR * 255 - mean, CHW -> softmax(ip)."""
    x = crops[..., ::-1] * 255.0 - MEAN[::-1]
    x = x.transpose(0, 3, 1, 2).reshape(len(crops), -1)
    z = x @ w.T + b
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_classifier_predict(model):
    deploy, weights, w, b = model
    clf = caffe.Classifier(deploy, weights, image_dims=(8, 8), mean=MEAN[::-1], raw_scale=255,
                           channel_swap=(2, 1, 0))
    images = [RNG.rand(10, 12, 3).astype(np.float32) for _ in range(3)]
    resized = np.asarray([resize_image(im, (8, 8)) for im in images])
    # Ten crops averaged (more crops than one batch of 4: several batches, padded).
    expected = reference_scores(oversample(resized, (6, 6)), w, b).reshape(3, 10, 5).mean(1)
    np.testing.assert_allclose(clf.predict(images), expected, rtol=1e-4, atol=1e-6)
    # The centre crop alone.
    centre = resized[:, 1:7, 1:7, :]
    np.testing.assert_allclose(clf.predict(images, oversample=False),
                               reference_scores(centre, w, b), rtol=1e-4, atol=1e-6)


def test_detector_windows(model, tmp_path):
    import skimage.io
    deploy, weights, w, b = model
    image = (RNG.rand(20, 30, 3) * 255).astype(np.uint8)
    path = str(tmp_path / 'img.png')
    skimage.io.imsave(path, image)
    det = caffe.Detector(deploy, weights, mean=MEAN[::-1], raw_scale=255, channel_swap=(2, 1, 0))
    windows = [(0, 0, 12, 12), (5, 10, 17, 28), (2, 3, 8, 9)]
    found = det.detect_windows([(path, windows)])
    assert [tuple(d['window']) for d in found] == windows
    assert all(d['filename'] == path for d in found)
    im = image.astype(np.float32) / 255
    crops = np.asarray([resize_image(im[y0:y1, x0:x1], (6, 6)) for y0, x0, y1, x1 in windows])
    np.testing.assert_allclose(np.asarray([d['prediction'] for d in found]),
                               reference_scores(crops, w, b), rtol=1e-4, atol=1e-6)
    # With context padding the window grows; the part outside the image is the mean.
    det.configure_crop(1)
    grown = det.crop(im, (0, 0, 20, 30))
    assert grown.shape == (6, 6, 3)
    np.testing.assert_allclose(grown[0, 0], MEAN / 255, atol=1e-5)


def test_classify_tool(model, tmp_path):
    deploy, weights, w, b = model
    images = RNG.rand(2, 6, 6, 3).astype(np.float32)
    np.save(tmp_path / 'in.npy', images)
    mean_values = ','.join(str(v) for v in MEAN[::-1])
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'classify.py'), str(tmp_path / 'in.npy'),
         str(tmp_path / 'out.npy'), '--model_def', deploy, '--pretrained_model', weights,
         '--mean_value', mean_values, '--center_only'],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'python')))
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / 'out.npy'), reference_scores(images, w, b),
                               rtol=1e-4, atol=1e-6)
