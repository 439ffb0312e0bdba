"""tools/annotate/server.py over HTTP: the image list, serving images and the page,
saving boxes to the CSV (atomically: a new file renamed over the old one after fsync),
reloading them, refusing bad input and paths outside the image folder, reporting a CSV
that cannot be written, and the command line."""
import http.client
import json
import math
import os
import subprocess
import sys
import types
import urllib.parse

import pytest

from annotate_utils import RunningServer, make_page_image, read_rows, server
from conftest import ROOT

HEADER = 'image,class,cx,cy,width,height,angle_degrees'
BOX = {'class': 'page', 'cx': 100.25, 'cy': 80.5, 'width': 120.0, 'height': 60.0,
       'angle': 12.5}


@pytest.fixture
def images(tmp_path):
    root = tmp_path / 'images'
    (root / 'sub').mkdir(parents=True)
    (root / '.hidden').mkdir()
    make_page_image(root / 'b.png', (200, 160), (100, 80, 120, 60, 10))
    make_page_image(root / 'a.png', (300, 200), (150, 100, 100, 80, -5))
    make_page_image(root / 'sub' / 'c.jpg', (90, 120), (45, 60, 50, 70, 0))
    make_page_image(root / '.hidden' / 'x.png', (10, 10), (5, 5, 4, 4, 0))
    (root / 'notes.txt').write_text('not an image')
    (tmp_path / 'secret.png').write_bytes(b'outside the image folder')
    return root


@pytest.fixture
def running(images, tmp_path):
    servers = []

    def start(csv_path=None, classes=('page', 'receipt')):
        srv = RunningServer(images, csv_path or tmp_path / 'annotations.csv', list(classes))
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.close()


def request(srv, method, path, body=None, headers=None):
    """(status, headers, body bytes); path is sent exactly as given."""
    host, port = urllib.parse.urlsplit(srv.url).netloc.split(':')
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def save(srv, image, boxes):
    status, _, data = request(srv, 'POST', '/api/annotations', {'image': image, 'boxes': boxes})
    return status, json.loads(data)


def state(srv):
    status, _, data = request(srv, 'GET', '/api/state')
    assert status == 200
    return json.loads(data)


def test_lists_images_and_serves_them(running, images):
    srv = running()
    s = state(srv)
    assert s['images'] == ['a.png', 'b.png', 'sub/c.jpg']   # recursive, sorted, no hidden
    assert s['classes'] == ['page', 'receipt'] and s['annotations'] == {}
    status, headers, data = request(srv, 'GET', '/images/sub/c.jpg')
    assert status == 200 and headers['Content-Type'] == 'image/jpeg'
    assert data == (images / 'sub' / 'c.jpg').read_bytes()
    status, headers, data = request(srv, 'GET', '/')
    assert status == 200 and headers['Content-Type'].startswith('text/html')
    for asset in ('app.js', 'style.css'):                     # the page's own files, no CDN
        assert f'"{asset}"' in data.decode()
        assert request(srv, 'GET', '/' + asset)[0] == 200
    text = data.decode() + request(srv, 'GET', '/app.js')[2].decode()
    assert '//' + 'cdn' not in text and 'https:' not in text
    assert request(srv, 'GET', '/nothing/here')[0] == 404
    assert request(srv, 'GET', '/images/notes.txt')[0] == 404   # not an image
    assert request(srv, 'GET', '/images/missing.png')[0] == 404


def test_save_writes_the_csv_and_a_new_server_reads_it_back(running, tmp_path):
    csv_path = tmp_path / 'annotations.csv'
    srv = running(csv_path)
    second = dict(BOX, **{'class': 'receipt', 'cx': 10, 'cy': 20.126, 'angle': 190.0})
    assert save(srv, 'b.png', [BOX, second]) == (200, {'ok': True, 'image': 'b.png', 'boxes': 2})
    assert save(srv, 'sub/c.jpg', [dict(BOX, angle=-180)])[0] == 200
    lines = csv_path.read_text().splitlines()
    assert lines[0] == HEADER
    assert lines[1:] == ['b.png,page,100.25,80.5,120,60,12.5',
                         'b.png,receipt,10,20.13,120,60,-170',      # 190 -> -170
                         'sub/c.jpg,page,100.25,80.5,120,60,180']   # -180 -> 180
    # one image's boxes replaced, the others untouched; an empty list removes them
    assert save(srv, 'b.png', [second])[0] == 200
    assert save(srv, 'sub/c.jpg', [])[0] == 200
    assert csv_path.read_text().splitlines() == [HEADER, 'b.png,receipt,10,20.13,120,60,-170']

    # a fresh server (a reload after a restart) serves what the CSV holds
    srv.close()
    again = RunningServer(tmp_path / 'images', csv_path, ['page'])
    try:
        s = state(again)
        assert s['classes'] == ['page', 'receipt']     # classes found in the CSV stay usable
        (box,) = s['annotations']['b.png']
        assert box == {'class': 'receipt', 'cx': 10, 'cy': 20.13, 'width': 120, 'height': 60,
                       'angle': -170}
        assert list(s['annotations']) == ['b.png']
    finally:
        again.close()


def test_the_csv_is_replaced_atomically(running, tmp_path, monkeypatch):
    csv_path = tmp_path / 'annotations.csv'
    srv = running(csv_path)
    assert save(srv, 'a.png', [BOX])[0] == 200
    before = csv_path.read_text()
    old_inode = os.stat(csv_path).st_ino
    with open(csv_path) as reader:          # a reader holding the old file keeps it whole
        calls = []
        real_fsync, real_replace = os.fsync, os.replace
        monkeypatch.setattr(os, 'fsync', lambda fd: (calls.append('fsync'), real_fsync(fd))[1])
        monkeypatch.setattr(os, 'replace',
                            lambda a, b: (calls.append(('replace', os.path.dirname(a),
                                                        os.path.basename(b))),
                                          real_replace(a, b))[1])
        assert save(srv, 'a.png', [BOX, BOX])[0] == 200
        assert reader.read() == before
    # fsync of the new file, rename over the CSV from its own folder, fsync of the folder
    assert calls == ['fsync', ('replace', str(tmp_path), 'annotations.csv'), 'fsync']
    assert os.stat(csv_path).st_ino != old_inode
    assert len(read_rows(csv_path)[1]) == 2
    assert sorted(os.listdir(tmp_path)) == ['annotations.csv', 'images', 'secret.png']   # no temp files

    # a crash before the rename (simulated): the old CSV stays, no temp file is left,
    # the page hears about it and the server's state is unchanged
    def crash(a, b):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(os, 'replace', crash)
    status, body = save(srv, 'a.png', [])
    assert status == 500
    assert body['error'] == f'cannot write {csv_path}: No space left on device'
    assert len(read_rows(csv_path)[1]) == 2
    assert sorted(os.listdir(tmp_path)) == ['annotations.csv', 'images', 'secret.png']
    assert len(state(srv)['annotations']['a.png']) == 2


def test_unwritable_csv_is_reported(running, tmp_path):
    folder = tmp_path / 'csvdir'
    folder.mkdir()
    srv = running(folder / 'annotations.csv')
    assert save(srv, 'a.png', [BOX])[0] == 200
    folder.rename(tmp_path / 'csvdir-moved')
    folder.write_text('a file where the folder was')
    status, body = save(srv, 'a.png', [BOX, BOX])
    assert status == 500 and body['error'].startswith(f'cannot write {folder}/annotations.csv')
    assert len(state(srv)['annotations']['a.png']) == 1


@pytest.mark.parametrize('body, status, message', [
    ('{"image": "a.png", "boxes": [', 400, 'request body is not JSON'),
    ('[1, 2]', 400, 'request body must be {"image": ..., "boxes": [...]}'),
    ({'image': 'a.png'}, 400, 'request body must be'),
    ({'image': 'a.png', 'boxes': {}}, 400, '"boxes" is not a list'),
    ({'image': 'a.png', 'boxes': [5]}, 400, 'boxes[0] is not an object'),
    ({'image': 'a.png', 'boxes': [BOX, dict(BOX, width=-3)]}, 400,
     'boxes[1].width is -3, not positive'),
    ({'image': 'a.png', 'boxes': [dict(BOX, height=0)]}, 400, 'boxes[0].height is 0, not positive'),
    ({'image': 'a.png', 'boxes': [{k: v for k, v in BOX.items() if k != 'cy'}]}, 400,
     'boxes[0].cy is None, not a finite number'),
    ({'image': 'a.png', 'boxes': [dict(BOX, cx='12')]}, 400, "boxes[0].cx is '12', not a finite"),
    ({'image': 'a.png', 'boxes': [dict(BOX, angle=True)]}, 400, 'boxes[0].angle is True'),
    ('{"image": "a.png", "boxes": [{"class": "page", "cx": NaN, "cy": 1, "width": 1, '
     '"height": 1, "angle": 0}]}', 400, 'boxes[0].cx is nan, not a finite number'),
    ({'image': 'a.png', 'boxes': [dict(BOX, **{'class': 'cat'})]}, 400,
     "boxes[0].class is 'cat', not one of the classes (page, receipt)"),
    ({'image': 'missing.png', 'boxes': []}, 404, "no image 'missing.png'"),
    ({'image': 'notes.txt', 'boxes': []}, 404, "no image 'notes.txt'"),
    ({'image': '../secret.png', 'boxes': []}, 403, 'outside the image folder'),
    ({'image': '/etc/passwd', 'boxes': []}, 403, 'outside the image folder'),
    ({'image': 7, 'boxes': []}, 400, 'no image path given'),
])
def test_bad_requests_are_refused_with_a_message(running, tmp_path, body, status, message):
    csv_path = tmp_path / 'annotations.csv'
    srv = running(csv_path)
    assert save(srv, 'b.png', [BOX])[0] == 200
    before = csv_path.read_text()
    got, _, data = request(srv, 'POST', '/api/annotations',
                           body if isinstance(body, str) else json.dumps(body),
                           {'Content-Type': 'application/json'})
    assert got == status
    assert message in json.loads(data)['error']
    assert csv_path.read_text() == before                  # nothing written


def test_oversized_and_misaddressed_posts(running):
    srv = running()
    status, _, data = request(srv, 'POST', '/api/annotations', 'x' * 10,
                              {'Content-Length': str(server.MAX_BODY + 1)})
    assert status == 413 and 'request body of' in json.loads(data)['error']
    assert request(srv, 'POST', '/api/state', '{}')[0] == 404


@pytest.mark.parametrize('path', ['/images/../secret.png', '/images/%2e%2e/secret.png',
                                  '/images/sub/../../secret.png', '/images/%2Fetc%2Fpasswd',
                                  '/images/sub%5C..%5C..%5Csecret.png', '/images//etc/passwd',
                                  '/images/link.png'])
def test_paths_outside_the_image_folder_are_refused(running, images, path):
    os.symlink(images.parent / 'secret.png', images / 'link.png')
    srv = running()
    status, _, data = request(srv, 'GET', path)
    assert status == 403, path
    assert b'outside the image folder' in data
    assert 'link.png' not in state(srv)['images']       # not listed either


def test_bad_csv_or_folder_stops_the_command_with_one_line(images, tmp_path, capsys):
    def run(*args):
        assert server.main([*map(str, args), '--port', '0']) == 1
        out, err = capsys.readouterr()
        assert out == '' and len(err.strip().splitlines()) == 1, err
        return err.strip()

    bad = tmp_path / 'bad.csv'
    bad.write_text(HEADER + '\na.png,page,1,2,3,4,5\na.png,page,1,two,3,4,5\n')
    assert run(images, '--csv', bad) == (
        f"annotate: {bad} line 3: cx, cy, width, height, angle_degrees must be numbers, "
        f"got '1,two,3,4,5'")
    bad.write_text('image,label,x,y,w,h,a\n')
    assert run(images, '--csv', bad).startswith(f'annotate: {bad} line 1: header is')
    bad.write_text(HEADER + '\na.png,page,1,2,0,4,5\n')
    assert 'line 2: needs finite numbers and a positive width and height' in run(
        images, '--csv', bad)
    bad.write_text(HEADER + '\na.png,page,1,2,3\n')
    assert run(images, '--csv', bad) == f'annotate: {bad} line 2: 5 fields, expected 7'
    assert run(tmp_path / 'nope') == f'annotate: image folder {tmp_path / "nope"} does not exist'
    assert run(images, '--csv', tmp_path) == f'annotate: --csv {tmp_path} is a folder, not a file'
    assert run(images, '--csv', tmp_path / 'no' / 'a.csv') == \
        f'annotate: --csv {tmp_path / "no" / "a.csv"}: folder {tmp_path / "no"} does not exist'
    assert run(images, '--classes', 'a,,b') == \
        "annotate: --classes 'a,,b': give comma-separated, non-empty names"
    # and the command itself exits with status 1
    p = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'annotate', 'server.py'),
                        str(tmp_path / 'nope')], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and p.stderr.startswith('annotate: image folder')


def test_command_line_serves_the_folder(images, tmp_path):
    csv_path = tmp_path / 'out.csv'
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'tools', 'annotate', 'server.py'),
                             str(images), '--csv', str(csv_path), '--classes', 'page,receipt',
                             '--port', '0'], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith(f'annotate: 3 images in {images}; annotations -> {csv_path}')
        url = proc.stdout.readline().split()[2]
        srv = types.SimpleNamespace(url=url)
        assert state(srv)['classes'] == ['page', 'receipt']
        assert save(srv, 'a.png', [BOX])[0] == 200
        assert csv_path.read_text().splitlines() == [HEADER, 'a.png,page,100.25,80.5,120,60,12.5']
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_angle_normalisation_matches_a_direct_computation():
    for a in (-725.0, -540.0, -181.0, -180.0, -0.0, 0.0, 45.0, 180.0, 359.5, 720.0, 1e6):
        got = server.normalize_angle(a)
        assert -180 < got <= 180
        # same direction as a: compare unit vectors
        assert math.cos(math.radians(got)) == pytest.approx(math.cos(math.radians(a)), abs=1e-9)
        assert math.sin(math.radians(got)) == pytest.approx(math.sin(math.radians(a)), abs=1e-9)
        assert str(got) != '-0.0'
