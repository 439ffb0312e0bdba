#!/usr/bin/env python3
"""The annotation tool's server: serves the annotation page over a folder of images and
keeps the annotations in one CSV file, rewritten atomically on every change.

    python3 tools/annotate/server.py IMAGES_DIR [--csv annotations.csv] [--classes a,b,c]
                                     [--port 8000] [--host 127.0.0.1]

Then open the printed address in a browser. The CSV has the header
`image,class,cx,cy,width,height,angle_degrees` and one line per object: `image` is the
image's path relative to IMAGES_DIR (with '/'), cx, cy, width and height are in pixels of
the full-resolution image (x to the right, y down, origin at the top-left corner of the
top-left pixel), and angle_degrees is the box's rotation counter-clockwise as seen on
screen, 0 = upright, in (-180, 180]. See tools/annotate/README.md.

Standard library only. HTTP interface (used by the page, and by tests):
  GET  /                   the page (index.html, app.js, style.css from static/)
  GET  /api/state          {"images": [...], "classes": [...], "annotations": {image: [box]}, "csv": path}
  GET  /images/<path>      an image file from IMAGES_DIR
  POST /api/annotations    {"image": path, "boxes": [box]} replaces that image's boxes
                           and rewrites the CSV; a box is {"class", "cx", "cy", "width",
                           "height", "angle"}. Errors: {"error": message} with 4xx/5xx.
"""
import argparse
import csv
import io
import json
import math
import os
import sys
import tempfile
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEADER = ['image', 'class', 'cx', 'cy', 'width', 'height', 'angle_degrees']
IMAGE_TYPES = {'.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
               '.gif': 'image/gif', '.bmp': 'image/bmp', '.webp': 'image/webp'}
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')
STATIC = {'/': ('index.html', 'text/html; charset=utf-8'),
          '/index.html': ('index.html', 'text/html; charset=utf-8'),
          '/app.js': ('app.js', 'text/javascript; charset=utf-8'),
          '/style.css': ('style.css', 'text/css; charset=utf-8')}
MAX_BODY = 8 << 20          # bytes in one POST: far more than thousands of boxes
DEFAULT_CLASSES = ['document']


class RequestError(Exception):
    """A request the server refuses: the HTTP status and a message for the page."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class SetupError(Exception):
    """A problem with the command line or the files named on it (printed, exit status 1)."""


def normalize_angle(degrees):
    """The same rotation in (-180, 180]."""
    a = math.fmod(degrees, 360.0)
    if a > 180.0:
        a -= 360.0
    elif a <= -180.0:
        a += 360.0
    return a + 0.0   # no -0.0


def fmt(value):
    """A number for the CSV: two decimals (1/100 pixel or degree), no trailing zeros."""
    text = f'{value:.2f}'.rstrip('0').rstrip('.')
    return '0' if text in ('-0', '') else text


def list_images(root):
    """Relative '/'-separated paths of the images under root (hidden folders and files
    skipped, symbolic links leading outside root skipped), sorted."""
    real_root = os.path.realpath(root)
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in files:
            if name.startswith('.') or os.path.splitext(name)[1].lower() not in IMAGE_TYPES:
                continue
            path = os.path.join(folder, name)
            if not os.path.realpath(path).startswith(real_root + os.sep):
                continue
            found.append(os.path.relpath(path, root).replace(os.sep, '/'))
    return sorted(found)


def resolve_image(root, rel):
    """The file behind an image path relative to root; RequestError when the path leaves
    root (403), or names no image file (404)."""
    if not isinstance(rel, str) or not rel:
        raise RequestError(HTTPStatus.BAD_REQUEST, 'no image path given')
    parts = rel.split('/')
    if ('\0' in rel or '\\' in rel or rel.startswith('/') or '..' in parts
            or any(p == '' for p in parts)):
        raise RequestError(HTTPStatus.FORBIDDEN,
                           f'image path {rel!r} is outside the image folder')
    path = os.path.join(root, *parts)
    real_root = os.path.realpath(root)
    if not os.path.realpath(path).startswith(real_root + os.sep):
        raise RequestError(HTTPStatus.FORBIDDEN,
                           f'image path {rel!r} leads outside the image folder')
    if os.path.splitext(path)[1].lower() not in IMAGE_TYPES or not os.path.isfile(path):
        raise RequestError(HTTPStatus.NOT_FOUND, f'no image {rel!r} in the image folder')
    return path


def parse_box(obj, classes, where):
    """A validated box from the page's JSON; RequestError (400) naming the bad field."""
    if not isinstance(obj, dict):
        raise RequestError(HTTPStatus.BAD_REQUEST, f'{where} is not an object')
    box = {}
    cls = obj.get('class')
    if not isinstance(cls, str) or cls not in classes:
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           f'{where}.class is {cls!r}, not one of the classes '
                           f'({", ".join(classes)})')
    box['class'] = cls
    for key in ('cx', 'cy', 'width', 'height', 'angle'):
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               f'{where}.{key} is {value!r}, not a finite number')
        box[key] = float(value)
    for key in ('width', 'height'):
        if box[key] <= 0:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               f'{where}.{key} is {box[key]:g}, not positive')
    box['angle'] = normalize_angle(box['angle'])
    return box


def read_csv(path):
    """{image: [box]} from an annotation CSV; SetupError naming the file and line."""
    annotations = {}
    try:
        with open(path, newline='', encoding='utf-8-sig') as f:   # a BOM is allowed
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise SetupError(f'cannot read {path}: {e}')
    if not rows:
        return annotations
    if [c.strip() for c in rows[0]] != HEADER:
        raise SetupError(f'{path} line 1: header is {",".join(rows[0])!r}, '
                         f'expected {",".join(HEADER)!r}')
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(HEADER):
            raise SetupError(f'{path} line {line}: {len(row)} fields, expected {len(HEADER)}')
        try:
            values = [float(v) for v in row[2:]]
        except ValueError:
            raise SetupError(f'{path} line {line}: cx, cy, width, height, angle_degrees '
                             f'must be numbers, got {",".join(row[2:])!r}')
        if not all(math.isfinite(v) for v in values) or values[2] <= 0 or values[3] <= 0:
            raise SetupError(f'{path} line {line}: needs finite numbers and a positive '
                             f'width and height, got {",".join(row[2:])!r}')
        if not row[0] or not row[1]:
            raise SetupError(f'{path} line {line}: empty image or class')
        cx, cy, w, h, a = values
        annotations.setdefault(row[0], []).append(
            {'class': row[1], 'cx': cx, 'cy': cy, 'width': w, 'height': h,
             'angle': normalize_angle(a)})
    return annotations


def csv_text(annotations):
    """The CSV for {image: [box]}: images sorted, boxes in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(HEADER)
    for image in sorted(annotations):
        for b in annotations[image]:
            writer.writerow([image, b['class'], fmt(b['cx']), fmt(b['cy']), fmt(b['width']),
                             fmt(b['height']), fmt(b['angle'])])
    return out.getvalue()


def write_atomic(path, text):
    """Writes text to path through a temporary file beside it, fsynced and renamed over
    path (then the folder is fsynced), so that path always holds a complete file."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(path) + '.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class Store:
    """The image folder, the classes and the annotations, with the CSV kept in step."""

    def __init__(self, images_dir, csv_path, classes):
        if not os.path.isdir(images_dir):
            raise SetupError(f'image folder {images_dir} does not exist')
        self.root = os.path.abspath(images_dir)
        self.csv_path = os.path.abspath(csv_path)
        if os.path.isdir(self.csv_path):
            raise SetupError(f'--csv {csv_path} is a folder, not a file')
        if not os.path.isdir(os.path.dirname(self.csv_path)):
            raise SetupError(f'--csv {csv_path}: folder {os.path.dirname(self.csv_path)} '
                             'does not exist')
        self.annotations = read_csv(self.csv_path) if os.path.exists(self.csv_path) else {}
        self.classes = list(classes)
        for boxes in self.annotations.values():   # classes already in the CSV stay usable
            for b in boxes:
                if b['class'] not in self.classes:
                    self.classes.append(b['class'])
        self.lock = threading.Lock()

    def state(self):
        with self.lock:
            return {'images': list_images(self.root), 'classes': self.classes,
                    'annotations': self.annotations, 'csv': self.csv_path}

    def save(self, image, boxes):
        """Replaces one image's boxes and rewrites the CSV; the annotations in memory
        change only once the new CSV is in place."""
        resolve_image(self.root, image)
        if not isinstance(boxes, list):
            raise RequestError(HTTPStatus.BAD_REQUEST, '"boxes" is not a list')
        parsed = [parse_box(b, self.classes, f'boxes[{i}]') for i, b in enumerate(boxes)]
        with self.lock:
            updated = dict(self.annotations)
            if parsed:
                updated[image] = parsed
            else:
                updated.pop(image, None)
            try:
                write_atomic(self.csv_path, csv_text(updated))
            except OSError as e:
                raise RequestError(HTTPStatus.INTERNAL_SERVER_ERROR,
                                   f'cannot write {self.csv_path}: {e.strerror or e}')
            self.annotations = updated
        return len(parsed)


class Handler(BaseHTTPRequestHandler):
    server_version = 'annotate/1'
    timeout = 60           # seconds a connection may stall (e.g. a body shorter than declared)

    def log_message(self, format, *args):    # requests are not logged; errors are
        if getattr(self.server, 'verbose', False):
            super().log_message(format, *args)

    def send_bytes(self, status, body, content_type, cache='no-store'):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', cache)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status, obj):
        self.send_bytes(status, json.dumps(obj).encode(), 'application/json')

    def handle_errors(self, work):
        try:
            work()
        except RequestError as e:
            if e.status >= 500:
                sys.stderr.write(f'annotate: {e}\n')
            self.send_json(e.status, {'error': str(e)})

    def do_GET(self):
        self.handle_errors(self.get)

    do_HEAD = do_GET

    def do_POST(self):
        self.handle_errors(self.post)

    def get(self):
        store = self.server.store
        path = urllib.parse.urlsplit(self.path).path
        if path in STATIC:
            name, content_type = STATIC[path]
            with open(os.path.join(STATIC_DIR, name), 'rb') as f:
                self.send_bytes(HTTPStatus.OK, f.read(), content_type)
        elif path == '/api/state':
            self.send_json(HTTPStatus.OK, store.state())
        elif path.startswith('/images/'):
            rel = urllib.parse.unquote(path[len('/images/'):])
            file = resolve_image(store.root, rel)
            with open(file, 'rb') as f:
                body = f.read()
            self.send_bytes(HTTPStatus.OK, body,
                            IMAGE_TYPES[os.path.splitext(file)[1].lower()], cache='no-cache')
        elif path == '/favicon.ico':
            self.send_bytes(HTTPStatus.NO_CONTENT, b'', 'image/x-icon')
        else:
            raise RequestError(HTTPStatus.NOT_FOUND, f'nothing at {path}')

    def post(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != '/api/annotations':
            raise RequestError(HTTPStatus.NOT_FOUND, f'nothing to POST at {path}')
        try:
            length = int(self.headers.get('Content-Length', ''))
        except ValueError:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, 'the request has no Content-Length')
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f'request body of {length} bytes (at most {MAX_BODY})')
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as e:
            raise RequestError(HTTPStatus.BAD_REQUEST, f'request body is not JSON: {e}')
        if not isinstance(body, dict) or 'image' not in body or 'boxes' not in body:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               'request body must be {"image": ..., "boxes": [...]}')
        count = self.server.store.save(body['image'], body['boxes'])
        self.send_json(HTTPStatus.OK, {'ok': True, 'image': body['image'], 'boxes': count})


def make_server(images_dir, csv_path=None, classes=None, host='127.0.0.1', port=8000):
    """An HTTP server over images_dir (not yet serving: call serve_forever). port 0 picks
    a free port (server.server_address has it). SetupError for bad folders or CSV."""
    if csv_path is None:
        csv_path = os.path.join(images_dir, 'annotations.csv')
    store = Store(images_dir, csv_path, classes or DEFAULT_CLASSES)
    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as e:
        raise SetupError(f'cannot listen on {host}:{port}: {e.strerror or e}')
    server.daemon_threads = True
    server.store = store
    server.verbose = False
    return server


def parse_classes(text):
    classes = [c.strip() for c in text.split(',')]
    if not classes or any(not c for c in classes):
        raise SetupError(f'--classes {text!r}: give comma-separated, non-empty names')
    if len(set(classes)) != len(classes):
        raise SetupError(f'--classes {text!r}: a class is named twice')
    return classes


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Serve a web page for drawing oriented boxes over a folder of images; '
                    'the boxes are saved to a CSV on every change.')
    parser.add_argument('images_dir', help='folder of images (searched recursively)')
    parser.add_argument('--csv', help='annotation file (default: IMAGES_DIR/annotations.csv)')
    parser.add_argument('--classes', default=','.join(DEFAULT_CLASSES),
                        help='comma-separated class names (default: %(default)s)')
    parser.add_argument('--port', type=int, default=8000, help='0 picks a free port')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default: %(default)s, this machine only)')
    parser.add_argument('--verbose', action='store_true', help='log every request')
    args = parser.parse_args(argv)
    try:
        server = make_server(args.images_dir, args.csv, parse_classes(args.classes),
                             args.host, args.port)
    except SetupError as e:
        print(f'annotate: {e}', file=sys.stderr)
        return 1
    server.verbose = args.verbose
    host, port = server.server_address[:2]
    store = server.store
    print(f'annotate: {len(list_images(store.root))} images in {store.root}; '
          f'annotations -> {store.csv_path}', flush=True)
    print(f'annotate: open http://{host}:{port}/ (Ctrl+C stops)', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
