"""The annotation page in a real browser (headless Chromium driven through chromedriver):
draw a box by dragging, rotate it with the handle and with keys, pick a class, go to the
next image, and check the CSV against the box computed here from the drag coordinates and
the displayed scale; reload and check the box is drawn again; break the CSV's folder and
check the page reports it, then undo once it is back.

The page's screenshot is written to tests/output/annotate/annotate_page.png (its path is
printed). Skips only when Chromium or chromedriver is not installed (scripts/setup
installs Debian's `chromium` and `chromium-driver` where it can)."""
import io
import math
import os
import shutil
import time

import pytest
from PIL import Image

from annotate_utils import RunningServer, make_page_image, read_rows
from conftest import ROOT

CHROMIUM = next(filter(None, map(shutil.which, ('chromium', 'chromium-browser',
                                                'google-chrome'))), None)
CHROMEDRIVER = shutil.which('chromedriver')
OUTPUT = os.path.join(ROOT, 'tests', 'output', 'annotate')
SIZE_A, SIZE_B = (1600, 1200), (600, 900)
PAGE = (760, 625, 640, 560, -8.0)            # the white page on a.png: cx, cy, w, h, angle
CLASSES = ['page', 'receipt']


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip('Chromium is not installed (Debian: apt-get install chromium '
                    'chromium-driver; scripts/setup does this where it can)')
    os.environ.setdefault('SE_OFFLINE', 'true')    # Selenium Manager must not download
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail('selenium is not installed (pip install selenium; scripts/setup does)',
                    pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless=new', '--disable-gpu', '--disable-dev-shm-usage',
                '--window-size=1280,800', '--force-device-scale-factor=1', '--no-first-run',
                '--disable-extensions', '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                f'--user-data-dir={tmp_path / "chromium-profile"}'):
        options.add_argument(arg)
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        options.add_argument('--no-sandbox')       # Chromium refuses to run as root otherwise
    # The browser is not built here: it runs without the sanitizer runtime that
    # scripts/sanitize preloads into the test's processes (Chromium cannot run under it).
    env = {k: v for k, v in os.environ.items() if k != 'LD_PRELOAD'}
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER, env=env))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def wait_for(driver, condition, what, timeout=10):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition())
    except Exception:
        pytest.fail(f'timed out waiting for {what}', pytrace=False)


def press(driver, key, *modifiers):
    from selenium.webdriver.common.action_chains import ActionChains
    chain = ActionChains(driver)
    for m in modifiers:
        chain.key_down(m)
    chain.send_keys(key)
    for m in reversed(modifiers):
        chain.key_up(m)
    chain.perform()


def drag(driver, points):
    """Left button down at points[0], through the others, up at the last (viewport px)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    builder = ActionBuilder(driver, duration=0)
    pointer = builder.pointer_action
    pointer.move_to_location(*points[0])
    pointer.pointer_down()
    for p in points[1:]:
        pointer.move_to_location(*p)
    pointer.pointer_up()
    builder.perform()


def saturated_near(shot, x, y, radius=3):
    """Whether a strongly coloured pixel (the images here are grey and white) lies within
    radius of (x, y): that is where the page drew a box."""
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            r, g, b = shot.getpixel((int(round(x)) + dx, int(round(y)) + dy))[:3]
            if max(r, g, b) - min(r, g, b) > 80:
                return True
    return False


def test_draw_rotate_classify_save_reload(tmp_path, browser):
    started = time.monotonic()
    images, out = tmp_path / 'images', tmp_path / 'out'
    images.mkdir()
    out.mkdir()
    make_page_image(images / 'a.png', SIZE_A, PAGE)
    make_page_image(images / 'b.png', SIZE_B, (300, 450, 300, 400, 20.0))
    csv_path = out / 'annotations.csv'
    srv = RunningServer(images, csv_path, CLASSES)
    driver = browser
    try:
        driver.get(srv.url)
        wait_for(driver, lambda: driver.execute_script(
            "return document.getElementById('canvas').dataset.image") == 'a.png',
            'a.png to be shown')
        assert driver.find_element('id', 'position').text == '1 / 2'

        # where the image is on screen: scaled to fit the canvas, centred
        rect = driver.execute_script(
            "const r = document.getElementById('canvas').getBoundingClientRect();"
            "return [r.left, r.top, r.width, r.height];")
        left, top, width, height = rect
        scale = min(width / SIZE_A[0], height / SIZE_A[1])
        ox, oy = (width - SIZE_A[0] * scale) / 2, (height - SIZE_A[1] * scale) / 2
        assert scale < 0.8          # the image really is shown scaled down
        shown = driver.execute_script("return document.getElementById('canvas').dataset.scale")
        assert float(shown) == pytest.approx(scale, rel=1e-9)

        def to_screen(x, y):        # image pixel -> viewport pixel
            return left + ox + x * scale, top + oy + y * scale

        def to_image(sx, sy):
            return (sx - left - ox) / scale, (sy - top - oy) / scale

        # 1. draw: drag over the page's upright extent
        cx, cy, w, h, page_angle = PAGE
        s0 = tuple(round(v) for v in to_screen(cx - w / 2, cy - h / 2))
        s1 = tuple(round(v) for v in to_screen(cx + w / 2, cy + h / 2))
        drag(driver, [s0, ((s0[0] + s1[0]) // 2, (s0[1] + s1[1]) // 2), s1])
        (x0, y0), (x1, y1) = to_image(*s0), to_image(*s1)
        expect = {'cx': (x0 + x1) / 2, 'cy': (y0 + y1) / 2,
                  'width': abs(x1 - x0), 'height': abs(y1 - y0)}
        wait_for(driver, lambda: driver.execute_script(
            "return document.getElementById('canvas').dataset.rotateHandle") is not None,
            'the new box to be selected')

        # 2. rotate with the round handle: from the handle to 10 degrees clockwise of it
        hx, hy = map(float, driver.execute_script(
            "return document.getElementById('canvas').dataset.rotateHandle").split(','))
        hx, hy = hx + left, hy + top
        c = to_screen(expect['cx'], expect['cy'])
        assert hx == pytest.approx(c[0], abs=1e-6) and hy < c[1] - expect['height'] / 2 * scale
        grab = (round(hx), round(hy))
        radius = c[1] - hy
        target_dir = math.radians(-10.0)      # counter-clockwise from straight up
        target = (round(c[0] - radius * math.sin(target_dir)),
                  round(c[1] - radius * math.cos(target_dir)))
        mid = (round(c[0] - radius * math.sin(target_dir / 2)),
               round(c[1] - radius * math.cos(target_dir / 2)))
        drag(driver, [grab, mid, target])

        def direction(p):                     # degrees counter-clockwise from up, on screen
            return math.degrees(math.atan2(-(p[0] - c[0]), -(p[1] - c[1])))
        angle = direction(target) - direction(grab)
        angle_tol = math.degrees(1.5 / radius)     # a pixel of rounding at either end

        # ... and with keys: Q twice (1 degree counter-clockwise each)
        press(driver, 'q')
        press(driver, 'q')
        angle += 2.0
        assert abs(angle - page_angle) < 1.0       # the box now lies on the page

        # 3. class from the drop-down, 4. next image with the keyboard
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import Select
        Select(driver.find_element('id', 'class')).select_by_visible_text('2: receipt')
        press(driver, Keys.ARROW_RIGHT)
        wait_for(driver, lambda: driver.find_element('id', 'position').text == '2 / 2'
                 and driver.execute_script("return document.body.dataset.saved") == 'true',
                 'the next image, and the annotations saved')

        header, rows = read_rows(csv_path)
        assert header == ['image', 'class', 'cx', 'cy', 'width', 'height', 'angle_degrees']
        assert len(rows) == 1
        row = rows[0]
        assert (row['image'], row['class']) == ('a.png', 'receipt')
        tol = 1.0 / scale + 0.01               # one screen pixel, in image pixels
        for key in ('cx', 'cy', 'width', 'height'):
            assert row[key] == pytest.approx(expect[key], abs=tol), key
        assert row['angle_degrees'] == pytest.approx(angle, abs=angle_tol + 0.01)

        # 5. reload: the page comes back on b.png; go back to a.png and see the box
        driver.refresh()
        wait_for(driver, lambda: driver.execute_script(
            "return document.getElementById('canvas').dataset.image") == 'b.png',
            'b.png after the reload')
        press(driver, Keys.ARROW_LEFT)
        wait_for(driver, lambda: driver.execute_script(
            "return document.getElementById('canvas').dataset.image") == 'a.png',
            'a.png again')
        items = driver.find_elements('css selector', '#boxes li')
        assert len(items) == 1 and items[0].get_attribute('data-class') == 'receipt'
        shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert('RGB')
        corners = [to_screen(*p) for p in _corners(row)]
        for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1]):
            mx, my = (ax + bx) / 2, (ay + by) / 2
            assert saturated_near(shot, mx, my), f'no box drawn at edge middle {(mx, my)}'
        centre = to_screen(row['cx'], row['cy'])
        assert not saturated_near(shot, *centre, radius=10)   # the inside is not painted
        outside = to_screen(row['cx'], row['cy'] + row['height'] / 2 + 60 / scale)
        assert not saturated_near(shot, *outside, radius=10)

        # select it by clicking inside, and keep a screenshot of the page
        drag(driver, [tuple(round(v) for v in centre)])
        wait_for(driver, lambda: driver.execute_script(
            "return document.getElementById('canvas').dataset.rotateHandle") is not None,
            'the box to be selected by a click')
        os.makedirs(OUTPUT, exist_ok=True)
        screenshot = os.path.join(OUTPUT, 'annotate_page.png')
        driver.save_screenshot(screenshot)

        # 6. a CSV that cannot be written is reported on the page; undo once it can be
        moved = tmp_path / 'out-moved'
        os.rename(out, moved)
        out.write_text('now a file, so the CSV folder is gone')
        press(driver, Keys.DELETE)
        wait_for(driver, lambda: driver.find_element('id', 'error').is_displayed(),
                 'the error bar')
        message = driver.find_element('id', 'error').text
        assert 'Not saved' in message and 'annotations.csv' in message, message
        out.unlink()
        os.rename(moved, out)
        press(driver, 'z', Keys.CONTROL)
        wait_for(driver, lambda: not driver.find_element('id', 'error').is_displayed()
                 and driver.execute_script("return document.body.dataset.saved") == 'true',
                 'the undo to be saved and the error bar to go')
        assert read_rows(csv_path)[1] == rows

        # 7. move the box by dragging its inside, then widen it with the handle in the
        # middle of its right edge (the left edge stays); undo both, redo one
        def saved_box():
            wait_for(driver, lambda: driver.execute_script(
                "return document.body.dataset.saved") == 'true', 'the change to be saved')
            return read_rows(csv_path)[1][0]

        start = tuple(round(v) for v in centre)
        shift = (41, -23)
        drag(driver, [start, (start[0] + 20, start[1] - 10), (start[0] + shift[0],
                                                              start[1] + shift[1])])
        moved_row = saved_box()
        assert moved_row['cx'] == pytest.approx(row['cx'] + shift[0] / scale, abs=0.02)
        assert moved_row['cy'] == pytest.approx(row['cy'] + shift[1] / scale, abs=0.02)
        assert (moved_row['width'], moved_row['height'], moved_row['angle_degrees']) == \
            (row['width'], row['height'], row['angle_degrees'])

        a = math.radians(moved_row['angle_degrees'])
        u = (math.cos(a), -math.sin(a))                  # along the width, on screen
        c = to_screen(moved_row['cx'], moved_row['cy'])
        half = moved_row['width'] / 2 * scale
        grab = (round(c[0] + half * u[0]), round(c[1] + half * u[1]))
        end = (grab[0] + round(35 * u[0]) + 3, grab[1] + round(35 * u[1]))
        drag(driver, [grab, end])
        along = ((end[0] - c[0]) * u[0] + (end[1] - c[1]) * u[1]) / scale   # image pixels
        width = along + moved_row['width'] / 2
        grown = (width - moved_row['width']) / 2
        resized = saved_box()
        assert resized['width'] == pytest.approx(width, abs=0.02)
        assert resized['height'] == moved_row['height']
        assert resized['cx'] == pytest.approx(moved_row['cx'] + grown * math.cos(a), abs=0.02)
        assert resized['cy'] == pytest.approx(moved_row['cy'] - grown * math.sin(a), abs=0.02)

        press(driver, 'z', Keys.CONTROL)
        press(driver, 'z', Keys.CONTROL)
        assert saved_box() == row
        press(driver, 'y', Keys.CONTROL)
        assert saved_box() == moved_row
    finally:
        srv.close()
    print(f'\nannotation page screenshot: {screenshot} '
          f'(browser test took {time.monotonic() - started:.1f} s)')


def _corners(row):
    from annotate_utils import box_corners
    return box_corners(row['cx'], row['cy'], row['width'], row['height'], row['angle_degrees'])
