"""Synthetic document photographs (caffe.datasets.documents, pages, tools/make_documents.py)
and the oriented-box CSV format (caffe.datasets.annotations)."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from caffe.datasets import DatasetError, annotations as A, documents, pages
from conftest import ROOT


# --- the CSV format ----------------------------------------------------------------------------

def test_corners_hand_worked():
    # a 40 x 20 box turned a quarter turn to the left (counter-clockwise): its top faces
    # left, so its top-left corner is at the bottom left of the image
    box = A.Annotation('x.png', 'letter', 100, 50, 40, 20, 90)
    np.testing.assert_allclose(box.corners(), [[90, 70], [90, 30], [110, 30], [110, 70]],
                               atol=1e-12)
    upright = A.Annotation('x.png', 'letter', 100, 50, 40, 20, 0)
    np.testing.assert_allclose(upright.corners(), [[80, 40], [120, 40], [120, 60], [80, 60]])
    # a half turn swaps the corners diagonally
    flipped = A.Annotation('x.png', 'letter', 100, 50, 40, 20, 180)
    np.testing.assert_allclose(flipped.corners(), upright.corners()[[2, 3, 0, 1]], atol=1e-12)
    # counter-clockwise on screen: a small positive angle lifts the right-hand side
    tilted = A.Annotation('x.png', 'letter', 100, 50, 40, 20, 10)
    tl, tr = tilted.corners()[:2]
    assert tr[1] < tl[1]


def test_csv_round_trip(tmp_path):
    rows = [A.Annotation('a.jpg', 'invoice', 10.5, 20.25, 30, 40, -45.5),
            A.Annotation('sub/b c.jpg', 'form', 1, 2, 3, 4, 179.999)]
    path = A.write_csv(str(tmp_path / 'ann.csv'), rows)
    text = open(path).read().splitlines()
    assert text[0] == 'image,class,cx,cy,width,height,angle_degrees'
    assert text[1] == 'a.jpg,invoice,10.500,20.250,30.000,40.000,-45.500'
    back = A.read_csv(path)
    assert [b.image for b in back] == ['a.jpg', 'sub/b c.jpg']
    for a, b in zip(rows, back):
        np.testing.assert_allclose(b[2:], a[2:], atol=1e-3)


@pytest.mark.parametrize('text,message', [
    ('image,class,x,y,w,h,a\n', 'line 1: the header must be'),
    ('image,class,cx,cy,width,height,angle_degrees\na.jpg,doc,1,2,3\n', 'line 2: expected 7 columns'),
    ('image,class,cx,cy,width,height,angle_degrees\na.jpg,doc,1,2,3,4,5\nb.jpg,doc,1,two,3,4,5\n',
     "line 3: cy must be a number, got 'two'"),
    ('image,class,cx,cy,width,height,angle_degrees\na.jpg,doc,1,2,0,4,5\n', 'line 2: width must be > 0'),
    ('image,class,cx,cy,width,height,angle_degrees\na.jpg,doc,1,2,3,4,nan\n',
     'line 2: angle_degrees must be finite'),
    ('image,class,cx,cy,width,height,angle_degrees\na.jpg,,1,2,3,4,5\n', 'line 2: the class column is empty'),
])
def test_csv_errors_name_file_and_line(tmp_path, text, message):
    path = tmp_path / 'bad.csv'
    path.write_text(text)
    with pytest.raises(DatasetError, match=message) as info:
        A.read_csv(str(path))
    assert str(path) in str(info.value)


def test_missing_csv(tmp_path):
    with pytest.raises(DatasetError, match='does not exist'):
        A.read_csv(str(tmp_path / 'none.csv'))


# --- pages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('kind', pages.KINDS)
def test_page_kinds_render(kind):
    rng = np.random.default_rng(5)
    img = pages.render_page(kind, rng)
    arr = np.asarray(img.convert('L'), np.float64)
    h, w = arr.shape
    assert min(h, w) >= 400 and min(abs(h / w - r) for r in (1.414, 1.294, 0.707)) < 0.01
    ink = arr < 128
    assert 0.002 < ink.mean() < 0.3          # text on paper: some ink, mostly paper
    # the margins stay blank: no ink in the outer 3% on the left and right
    assert not ink[:, :int(0.03 * w)].any() and not ink[:, -int(0.03 * w):].any()
    # every page starts with a heading, a letterhead or a title: ink in the top fifth
    assert ink[:h // 5].mean() > 0.001


def test_pages_differ_and_repeat():
    a = np.asarray(pages.render_page('letter', np.random.default_rng(1)))
    b = np.asarray(pages.render_page('letter', np.random.default_rng(1)))
    c = np.asarray(pages.render_page('letter', np.random.default_rng(2)))
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or np.abs(a.astype(int) - c).mean() > 1


def test_real_fonts_are_used():
    fams = pages.families()
    assert len(fams) >= 1
    files = pages.font_files()
    for fam in fams:
        for name in pages.FAMILIES[fam]:
            assert files[name].endswith('.ttf') and os.path.exists(files[name])


# --- photographs -----------------------------------------------------------------------------------

def arrow_page(w=300, h=420):
    """A page whose top is unmistakable: white, a black bar along the top edge, a grey
    bar down the left edge, a dark square in the lower right."""
    arr = np.full((h, w, 3), 250, np.uint8)
    arr[:h // 8] = 0
    arr[:, :w // 10] = 128
    arr[-h // 4:-h // 10, -w // 3:-w // 10] = 40
    return Image.fromarray(arr)


def upright_view(photo, box, out_w, out_h):
    """The box's content, straightened, by PIL: output (x, y) -> photo point of the box's
    frame at u = x * width / out_w, v = y * height / out_h."""
    a = math.radians(box.angle)
    right = (math.cos(a), -math.sin(a))
    down = (math.sin(a), math.cos(a))
    kx, ky = box.width / out_w, box.height / out_h
    x0 = box.cx - box.width / 2 * right[0] - box.height / 2 * down[0]
    y0 = box.cy - box.width / 2 * right[1] - box.height / 2 * down[1]
    data = (right[0] * kx, down[0] * ky, x0, right[1] * kx, down[1] * ky, y0)
    return np.asarray(photo.convert('L').transform((out_w, out_h), Image.Transform.AFFINE, data,
                                                   resample=Image.Resampling.BILINEAR), np.float64)


@pytest.mark.parametrize('index', range(6))
def test_annotation_frames_the_page(monkeypatch, index):
    """The page drawn into the photograph, straightened with the annotation alone, is
    the page that was drawn (top up): its bars and square are where they should be."""
    monkeypatch.setattr(documents, 'document_image', lambda rng, cls, landscape: arrow_page())
    photo, boxes, _ = documents.make_photo(7, index, noise=(0, 0), blur=(0, 0), light=0)
    assert len(boxes) == 1
    box = boxes[0]
    view = upright_view(photo, box, 60, 84)
    page = np.asarray(arrow_page().convert('L').resize((60, 84), Image.Resampling.BOX),
                      np.float64)
    inner = (slice(2, -2), slice(2, -2))   # the edges blend with the background
    corr = np.corrcoef(view[inner].ravel(), page[inner].ravel())[0, 1]
    assert corr > 0.95, corr
    # the whole document lies inside the photograph
    W, H = photo.size
    c = box.corners()
    assert (c[:, 0] >= 0).all() and (c[:, 0] <= W).all() and (c[:, 1] >= 0).all() and \
        (c[:, 1] <= H).all()


def test_generate_writes_images_csv_classes(tmp_path):
    rows = documents.generate(str(tmp_path / 'a'), 3, seed=3, workers=2, quiet=True)
    assert len(rows) == 3
    back = A.read_csv(str(tmp_path / 'a' / 'annotations.csv'))
    assert [r.image for r in back] == [f'doc_{i:05d}.jpg' for i in range(3)]
    assert A.read_classes(str(tmp_path / 'a' / 'classes.txt')) == list(documents.CLASSES)
    for r in back:
        with Image.open(tmp_path / 'a' / r.image) as im:
            assert im.mode == 'RGB' and 560 * 0.75 - 1 <= min(im.size) and max(im.size) <= 800
        assert r.cls in documents.CLASSES and -180 <= r.angle <= 180
    # the same seed gives the same set whatever the number of processes
    documents.generate(str(tmp_path / 'b'), 3, seed=3, workers=1, quiet=True)
    assert (tmp_path / 'a' / 'annotations.csv').read_bytes() == \
        (tmp_path / 'b' / 'annotations.csv').read_bytes()
    for r in back:
        assert (tmp_path / 'a' / r.image).read_bytes() == (tmp_path / 'b' / r.image).read_bytes()


def test_classes_and_angles_follow_the_options(tmp_path):
    rows = documents.generate(str(tmp_path), 2, seed=1, classes=('form',), workers=1,
                              quiet=True, max_angle=5)
    assert {r.cls for r in rows} == {'form'} and all(abs(r.angle) <= 5 for r in rows)
    with pytest.raises(DatasetError, match='unknown document classes'):
        documents.generate(str(tmp_path), 1, classes=('poster',))


def test_scans_are_skimage_samples():
    photo, boxes, _ = documents.make_photo(0, 0, classes=('scan',), noise=(0, 0), blur=(0, 0),
                                           light=0)
    box = boxes[0]
    assert box.cls == 'scan'
    # page() is 384 x 191 and text() 448 x 172: the box keeps one of these aspects
    assert box.width / box.height == pytest.approx(384 / 191, rel=1e-6) or \
        box.width / box.height == pytest.approx(448 / 172, rel=1e-6)


def test_make_documents_tool(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'make_documents.py'),
                          str(tmp_path / 'set'), '-n', '1', '--seed', '4', '--quiet'],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'wrote 1 document(s)' in out.stdout
    assert len(A.read_csv(str(tmp_path / 'set' / 'annotations.csv'))) == 1
    bad = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'make_documents.py'),
                          str(tmp_path / 'x'), '-n', '0'], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode != 0 and '-n must be at least 1' in bad.stderr


@pytest.mark.parametrize('kind', sorted(pages.LAYOUTS))
def test_pages_of_every_kind_come_landscape_or_portrait_on_request(kind):
    for seed in range(3):
        wide = np.asarray(pages.render_page(kind, np.random.default_rng(seed), landscape=True))
        tall = np.asarray(pages.render_page(kind, np.random.default_rng(seed), landscape=False))
        assert wide.shape[0] / wide.shape[1] == pytest.approx(0.707, abs=0.01)
        assert min(abs(tall.shape[0] / tall.shape[1] - r) for r in (1.414, 1.294)) < 0.01
        # a landscape page is laid out, not left blank: ink in its top fifth and overall
        ink = wide.mean(axis=2) < 128
        assert 0.002 < ink.mean() < 0.3 and ink[:wide.shape[0] // 5].mean() > 0.001


def test_landscape_fraction_sets_the_share_of_landscape_pages():
    def shares(fraction, n=40):
        boxes = [documents.make_photo(3, i, classes=('letter', 'invoice', 'form'), size=(200, 240),
                                      landscape_fraction=fraction)[1][0] for i in range(n)]
        return np.mean([b.width > b.height for b in boxes])
    assert shares(0.0) == 0 and shares(1.0) == 1
    assert 0.2 < shares(0.5) < 0.8
    # by default only tables are landscape: letters, invoices and forms never
    assert shares(None) == 0
    with pytest.raises(ValueError, match='landscape_fraction=1.5'):
        documents.generate('unused', 1, landscape_fraction=1.5)


def test_make_documents_tool_takes_a_landscape_fraction(tmp_path):
    tool = os.path.join(ROOT, 'tools', 'make_documents.py')
    out = subprocess.run([sys.executable, tool, str(tmp_path / 'set'), '-n', '2', '--seed', '4',
                          '--classes', 'letter', '--landscape-fraction', '1', '--quiet',
                          '--workers', '1'], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = A.read_csv(str(tmp_path / 'set' / 'annotations.csv'))
    assert len(rows) == 2 and all(r.width > r.height for r in rows)
    bad = subprocess.run([sys.executable, tool, str(tmp_path / 'x'), '-n', '1',
                          '--landscape-fraction', '1.5'], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1 and 'landscape_fraction=1.5 must lie in [0, 1]' in bad.stderr
