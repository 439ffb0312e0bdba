"""Shared by the annotation tool's tests: loading tools/annotate/server.py, a server run
in a thread, test images, reading the CSV back."""
import csv
import importlib.util
import os
import threading

from PIL import Image, ImageDraw

from conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    'annotate_server', os.path.join(ROOT, 'tools', 'annotate', 'server.py'))
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)


def box_corners(cx, cy, w, h, angle_degrees):
    """Corners (top-left, top-right, bottom-right, bottom-left of the upright box) of an
    oriented box, image coordinates with y down, angle counter-clockwise on screen."""
    import math
    a = math.radians(angle_degrees)
    ux, uy = math.cos(a), -math.sin(a)      # along the width
    vx, vy = math.sin(a), math.cos(a)       # along the height, towards the bottom
    return [(cx + sx * w / 2 * ux + sy * h / 2 * vx, cy + sx * w / 2 * uy + sy * h / 2 * vy)
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]


def make_page_image(path, size, page, background=(128, 128, 128)):
    """A grey picture with a white page on it; page = (cx, cy, w, h, angle)."""
    im = Image.new('RGB', size, background)
    ImageDraw.Draw(im).polygon(box_corners(*page), fill=(246, 246, 240))
    im.save(path)


class RunningServer:
    """tools/annotate/server.py serving in a background thread on a free port."""

    def __init__(self, images_dir, csv_path=None, classes=None):
        self.httpd = server.make_server(str(images_dir), None if csv_path is None
                                        else str(csv_path), classes, port=0)
        host, port = self.httpd.server_address[:2]
        self.url = f'http://{host}:{port}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def read_rows(csv_path):
    """The CSV as (header, [row dict with numbers as floats])."""
    with open(csv_path, newline='') as f:
        rows = list(csv.reader(f))
    header, out = rows[0], []
    for row in rows[1:]:
        d = dict(zip(header, row))
        for key in ('cx', 'cy', 'width', 'height', 'angle_degrees'):
            d[key] = float(d[key])
        out.append(d)
    return header, out
