"""Synthetic document pages rendered with real fonts: letters, invoices, tables and forms.

    page = render_page('invoice', np.random.default_rng(3))   # a PIL RGB image, upright

Text is set with TrueType fonts found on the system -- Debian's fonts-dejavu-core and
fonts-liberation (scripts/setup installs them) -- or, where neither is installed, the
DejaVu fonts that matplotlib ships. Words are made-up (syllables and common short words),
numbers and dates random; layouts vary in margins, font sizes, families, columns, rules,
shaded headers, figures (bar and line charts, photographs from scikit-image) and colours,
so that every page is different but each class keeps its own look:

- letter: letterhead, sender and recipient blocks, date, salutation, paragraphs, closing,
  a signature;
- invoice: company header, INVOICE title, invoice details, a table of items with a shaded
  header, totals at the bottom right, a footer;
- table: a report page with a title, a short text, a ruled table of numbers and
  sometimes a figure;
- form: a title, labelled fields with underlines or boxes, check boxes, a signature line.

Every page has a clear top: a title or letterhead near the top edge, text lines running
left to right and flush left, a page number or footer at the bottom.
"""
import functools
import glob
import os

import numpy as np

from .errors import DatasetError

KINDS = ('letter', 'invoice', 'table', 'form')

# Family -> (regular, bold) file names, Debian's packages first.
FAMILIES = {
    'DejaVu Sans': ('DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'),
    'DejaVu Serif': ('DejaVuSerif.ttf', 'DejaVuSerif-Bold.ttf'),
    'DejaVu Sans Condensed': ('DejaVuSansCondensed.ttf', 'DejaVuSansCondensed-Bold.ttf'),
    'DejaVu Sans Mono': ('DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf'),
    'Liberation Sans': ('LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'),
    'Liberation Serif': ('LiberationSerif-Regular.ttf', 'LiberationSerif-Bold.ttf'),
    'Liberation Sans Narrow': ('LiberationSansNarrow-Regular.ttf', 'LiberationSansNarrow-Bold.ttf'),
    'Liberation Mono': ('LiberationMono-Regular.ttf', 'LiberationMono-Bold.ttf'),
}
ITALICS = {'DejaVu Sans': 'DejaVuSans-Oblique.ttf', 'DejaVu Serif': 'DejaVuSerif-Italic.ttf',
           'Liberation Sans': 'LiberationSans-Italic.ttf',
           'Liberation Serif': 'LiberationSerif-Italic.ttf'}


@functools.lru_cache(maxsize=1)
def font_files():
    """{file name: path} of the TrueType fonts this module can use: the system's (found by
    matplotlib's font manager, which searches the usual font folders), else matplotlib's
    own DejaVu files."""
    from matplotlib import font_manager
    wanted = {n for pair in FAMILIES.values() for n in pair} | set(ITALICS.values())
    found = {}
    for path in sorted(font_manager.findSystemFonts(fontext='ttf')):
        name = os.path.basename(path)
        if name in wanted:
            found.setdefault(name, path)
    if not found:
        import matplotlib
        bundled = os.path.join(os.path.dirname(matplotlib.__file__), 'mpl-data', 'fonts', 'ttf')
        for path in sorted(glob.glob(os.path.join(bundled, '*.ttf'))):
            if os.path.basename(path) in wanted:
                found[os.path.basename(path)] = path
    return found


@functools.lru_cache(maxsize=1)
def families():
    """The families whose regular and bold faces are both present, in FAMILIES' order."""
    files = font_files()
    out = [f for f, pair in FAMILIES.items() if all(n in files for n in pair)]
    if not out:
        raise DatasetError('no usable TrueType font found: install Debian\'s fonts-dejavu-core '
                           'and fonts-liberation (scripts/setup does)')
    return tuple(out)


@functools.lru_cache(maxsize=512)
def font(family, size, style='regular'):
    from PIL import ImageFont
    files = font_files()
    regular, bold = FAMILIES[family]
    name = {'regular': regular, 'bold': bold}.get(style) or ITALICS.get(family, regular)
    return ImageFont.truetype(files.get(name, files[regular]), int(size))


# --- text ------------------------------------------------------------------------------------

SYLLABLES = ('ka', 're', 'to', 'mi', 'sa', 'lo', 'ven', 'dor', 'ti', 'na', 'per', 'ul',
             'an', 'es', 'con', 'tra', 'mo', 'li', 'que', 'ber', 'ga', 'ro', 'ta', 'ment',
             'ex', 'ri', 'sol', 'de', 'val', 'im', 'or', 'pa', 'cu', 'ne', 'is', 'ter')
SHORT = ('the', 'of', 'and', 'to', 'in', 'a', 'is', 'for', 'on', 'with', 'as', 'by', 'at',
         'we', 'our', 'your', 'this', 'that', 'be', 'are', 'from', 'will', 'or', 'not')


def word(rng, lo=1, hi=4):
    return ''.join(rng.choice(SYLLABLES) for _ in range(rng.integers(lo, hi + 1)))


def words(rng, n):
    return [rng.choice(SHORT) if rng.random() < 0.35 else word(rng) for _ in range(n)]


def sentence(rng, lo=5, hi=16):
    w = words(rng, int(rng.integers(lo, hi + 1)))
    w[0] = w[0].capitalize()
    if len(w) > 6 and rng.random() < 0.4:
        w[int(rng.integers(2, len(w) - 2))] += ','
    return ' '.join(w) + rng.choice(['.', '.', '.', '?', ';'])


def title(rng, lo=1, hi=4):
    return ' '.join(word(rng, 2, 4).capitalize() for _ in range(rng.integers(lo, hi + 1)))


def name(rng):
    return f'{word(rng, 2, 3).capitalize()} {word(rng, 2, 4).capitalize()}'


def date(rng):
    return f'{rng.integers(1, 29):02d}/{rng.integers(1, 13):02d}/{rng.integers(1990, 2030)}'


def amount(rng, hi=5000):
    return f'{rng.uniform(1, hi):,.2f}'


# --- drawing -----------------------------------------------------------------------------------

class Page:
    """A page being drawn: the PIL image, its drawing context, the style (fonts, colours,
    margins) and a cursor `y` that moves down as blocks are added."""

    def __init__(self, rng, width, height, paper, ink):
        from PIL import Image, ImageDraw
        self.rng, self.w, self.h = rng, width, height
        self.img = Image.new('RGB', (width, height), paper)
        self.draw = ImageDraw.Draw(self.img)
        self.ink = ink
        fams = families()
        self.family = fams[int(rng.integers(len(fams)))]
        self.head_family = fams[int(rng.integers(len(fams)))] if rng.random() < 0.5 \
            else self.family
        self.size = int(rng.integers(11, 16)) * width // 640
        self.margin = int(width * rng.uniform(0.07, 0.13))
        self.left, self.right = self.margin, width - self.margin
        self.y = int(height * rng.uniform(0.05, 0.09))
        self.bottom = height - int(height * rng.uniform(0.06, 0.1))
        self.accent = tuple(int(v) for v in rng.integers(20, 200, 3))

    def font(self, scale=1.0, style='regular', head=False):
        return font(self.head_family if head else self.family, max(6, self.size * scale), style)

    def line_height(self, f):
        return int(f.size * 1.35)

    def text(self, x, y, s, f, fill=None, anchor='la'):
        self.draw.text((x, y), s, font=f, fill=fill or self.ink, anchor=anchor)

    def paragraph(self, n_sentences, f=None, indent=0, width=None, x=None):
        """Flush-left text wrapped to `width`; returns False when the page is full."""
        f = f or self.font()
        x = self.left + indent if x is None else x
        width = width or (self.right - x)
        text = ' '.join(sentence(self.rng) for _ in range(n_sentences))
        lh, line, space = self.line_height(f), '', f.getlength(' ')
        used = 0.0
        for w in text.split():
            wl = f.getlength(w)
            if line and used + space + wl > width:
                if self.y + lh > self.bottom:
                    return False
                self.text(x, self.y, line, f)
                self.y += lh
                line, used = w, wl
            else:
                line, used = (line + ' ' + w if line else w), (used + space + wl if line else wl)
        if line and self.y + lh <= self.bottom:
            self.text(x, self.y, line, f)
            self.y += lh
        self.y += lh // 2
        return True

    def lines(self, items, f=None, x=None, align='la'):
        f = f or self.font()
        for s in items:
            self.text(self.left if x is None else x, self.y, s, f, anchor=align)
            self.y += self.line_height(f)

    def rule(self, width=1, color=None):
        self.draw.line([(self.left, self.y), (self.right, self.y)], fill=color or self.ink,
                       width=width)
        self.y += 4 + width

    def table(self, rows, cols, header, numeric_from=1, shade=None, grid=True, max_y=None):
        """A table of `rows` body rows under a bold header; numbers right-aligned."""
        scale = 0.9 if cols < 5 else 0.75   # many columns: smaller type, so numbers fit
        f, fb = self.font(scale), self.font(scale, 'bold')
        lh = int(self.line_height(f) * self.rng.uniform(1.05, 1.4))
        digits = 4 if cols < 5 else 3
        max_y = max_y or self.bottom
        rows = max(1, min(rows, (max_y - self.y) // lh - 1))
        widths = self.rng.uniform(0.6, 1.4, cols)
        widths[0] *= 2.2
        edges = self.left + np.concatenate([[0], np.cumsum(widths / widths.sum())]) * \
            (self.right - self.left)
        top = self.y
        if shade is not None:
            self.draw.rectangle([self.left, top, self.right, top + lh], fill=shade)
        cells = [header] + [[word(self.rng, 2, 4).capitalize() + ' ' + word(self.rng)
                             if c < numeric_from else amount(self.rng, 10 ** self.rng.integers(2, digits + 1))
                             for c in range(cols)] for _ in range(rows)]
        for r, row in enumerate(cells):
            y = top + r * lh + (lh - f.size) // 2
            for c, s in enumerate(row):
                ff = fb if r == 0 else f
                if c >= numeric_from:
                    self.text(edges[c + 1] - 5, y, s, ff, anchor='ra')
                else:
                    self.text(edges[c] + 5, y, s, ff)
        bottom = top + len(cells) * lh
        if grid:
            for c in range(cols + 1):
                self.draw.line([(edges[c], top), (edges[c], bottom)], fill=self.ink, width=1)
            for r in range(len(cells) + 1):
                self.draw.line([(self.left, top + r * lh), (self.right, top + r * lh)],
                               fill=self.ink, width=2 if r in (0, 1, len(cells)) else 1)
        else:
            for r in (0, 1, len(cells)):
                self.draw.line([(self.left, top + r * lh), (self.right, top + r * lh)],
                               fill=self.ink, width=1)
        self.y = bottom + lh
        return edges

    def figure(self, height):
        """A bar chart, a line chart or a photograph, `height` pixels tall, with a caption."""
        from PIL import Image
        h = min(height, self.bottom - self.y - 2 * self.size)
        if h < 40:
            return
        x0, x1, y0, y1 = self.left + 20, self.right - 20, self.y, self.y + h
        kind = self.rng.choice(['bars', 'line', 'photo'])
        if kind == 'photo':
            photo = figure_photo(int(self.rng.integers(len(FIGURE_PHOTOS))))
            w = int(min(x1 - x0, h * photo.width / photo.height))
            im = photo.resize((w, h), Image.Resampling.BILINEAR)
            self.img.paste(im, (int((self.left + self.right - w) / 2), y0))
        else:
            self.draw.line([(x0, y0), (x0, y1), (x1, y1)], fill=self.ink, width=2)
            n = int(self.rng.integers(4, 12))
            vals = self.rng.uniform(0.15, 0.95, n)
            xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
            if kind == 'bars':
                bw = (x1 - x0) / n * 0.6
                for x, v in zip(xs, vals):
                    self.draw.rectangle([x - bw / 2, y1 - v * h, x + bw / 2, y1 - 1],
                                        fill=self.accent)
            else:
                pts = [(float(x), float(y1 - v * h)) for x, v in zip(xs, np.sort(vals))]
                self.draw.line(pts, fill=self.accent, width=3)
        self.y = y1 + 6
        f = self.font(0.85, 'italic')
        self.text((self.left + self.right) / 2, self.y, f'Figure {self.rng.integers(1, 9)}: ' +
                  ' '.join(words(self.rng, 5)), f, anchor='ma')
        self.y += 2 * self.line_height(f)

    def footer(self, text=None):
        f = self.font(0.8)
        y = self.h - int(self.h * 0.05)
        where = self.rng.choice(['ma', 'ra', 'la'])
        x = {'ma': self.w / 2, 'ra': self.right, 'la': self.left}[where]
        self.text(x, y, text or f'Page {self.rng.integers(1, 20)}', f, anchor=where)


FIGURE_PHOTOS = ('camera', 'coins', 'moon', 'astronaut', 'coffee', 'rocket')


@functools.lru_cache(maxsize=None)
def figure_photo(index):
    import skimage.data
    from PIL import Image
    arr = getattr(skimage.data, FIGURE_PHOTOS[index])()
    return Image.fromarray(arr).convert('RGB')


# --- the four kinds of page ---------------------------------------------------------------------

def letterhead(p):
    rng = p.rng
    company = title(rng, 1, 3)
    fb = p.font(rng.uniform(1.6, 2.4), 'bold', head=True)
    if rng.random() < 0.6:  # a logo: a filled circle or square in the accent colour
        r = int(fb.size * 0.7)
        box = [p.left, p.y, p.left + 2 * r, p.y + 2 * r]
        (p.draw.ellipse if rng.random() < 0.5 else p.draw.rectangle)(box, fill=p.accent)
        p.text(p.left + 2 * r + 12, p.y + r, company, fb, fill=p.accent, anchor='lm')
        p.y += 2 * r + 6
    else:
        p.text(p.left, p.y, company, fb, fill=p.accent)
        p.y += p.line_height(fb)
    small = p.font(0.8)
    p.lines([f'{rng.integers(1, 300)} {word(rng, 2, 3).capitalize()} Street, '
             f'{word(rng, 2, 3).capitalize()}', f'Tel. {rng.integers(100, 999)} '
             f'{rng.integers(1000, 9999)}'], small)
    if rng.random() < 0.7:
        p.rule(2, p.accent)
    p.y += p.size


def letter(p):
    rng = p.rng
    letterhead(p)
    f = p.font()
    p.lines([name(rng), f'{rng.integers(1, 300)} {title(rng, 1, 2)}', title(rng, 1, 1)], f)
    p.text(p.right, p.y, date(rng), f, anchor='ra')
    p.y += 2 * p.line_height(f)
    fb = p.font(1.0, 'bold')
    p.lines([f'Subject: {" ".join(words(rng, int(rng.integers(3, 7))))}'], fb)
    p.y += p.line_height(f) // 2
    p.lines([f'Dear {name(rng)},'], f)
    p.y += p.line_height(f) // 2
    for _ in range(int(rng.integers(2, 6))):
        if not p.paragraph(int(rng.integers(2, 6)), f):
            break
    if rng.random() < 0.25:
        p.figure(int(p.h * rng.uniform(0.12, 0.22)))
    if p.y + 5 * p.line_height(f) < p.bottom:
        p.lines(['Yours sincerely,'], f)
        signature(p, p.left, p.y + p.line_height(f))
        p.y += 2 * p.line_height(f)
        p.lines([name(rng)], f)
    p.footer()


def signature(p, x, y):
    rng = p.rng
    n = int(rng.integers(8, 16))
    xs = x + np.cumsum(rng.uniform(4, 14, n)) * p.w / 640
    ys = y + rng.normal(0, p.size * 0.4, n)
    p.draw.line([(float(a), float(b)) for a, b in zip(xs, ys)], fill=(20, 30, 120), width=2)


def invoice(p):
    rng = p.rng
    letterhead(p)
    ft = p.font(rng.uniform(1.8, 2.6), 'bold', head=True)
    p.text(p.right, p.y, rng.choice(['INVOICE', 'Invoice', 'BILL']), ft, anchor='ra')
    f = p.font()
    top = p.y
    p.y += p.line_height(ft)
    p.lines([f'Invoice no. {rng.integers(1000, 99999)}', f'Date: {date(rng)}',
             f'Due: {date(rng)}'], f, x=p.right, align='ra')
    after = p.y
    p.y = top
    p.lines(['Bill to:', name(rng), f'{rng.integers(1, 300)} {title(rng, 1, 2)}',
             title(rng, 1, 1)], f)
    p.y = max(p.y, after) + p.line_height(f)
    shade = tuple(int(v) for v in 255 - (255 - np.array(p.accent)) * 0.25)
    cols = int(rng.integers(3, 6))
    header = ['Description', 'Qty', 'Price', 'Tax', 'Amount'][:cols - 1] + ['Amount']
    header = header[:cols]
    p.table(int(rng.integers(3, 14)), cols, header, shade=shade, grid=rng.random() < 0.5,
            max_y=p.bottom - 5 * p.line_height(f))
    fb = p.font(1.1, 'bold')
    for label, fnt in (('Subtotal', f), ('Tax', f), ('Total', fb)):
        if p.y + p.line_height(fnt) > p.bottom:
            break
        p.text(p.right - (p.right - p.left) * 0.3, p.y, label, fnt)
        p.text(p.right, p.y, amount(rng, 20000), fnt, anchor='ra')
        p.y += p.line_height(fnt)
    p.y += p.line_height(f)
    if p.y + 3 * p.line_height(f) < p.bottom:
        p.paragraph(1, p.font(0.8))
    p.footer(f'{title(rng, 1, 2)} - account {rng.integers(10 ** 7, 10 ** 8)}')


def table_page(p):
    rng = p.rng
    ft = p.font(rng.uniform(1.6, 2.2), 'bold', head=True)
    align = rng.choice(['la', 'ma'])
    p.text(p.left if align == 'la' else p.w / 2, p.y, title(rng, 2, 4), ft, anchor=align)
    p.y += int(p.line_height(ft) * 1.2)
    if rng.random() < 0.6:
        p.lines([f'{title(rng, 2, 3)} - {date(rng)}'], p.font(1.0, 'italic'))
        p.y += p.size // 2
    p.paragraph(int(rng.integers(1, 4)))
    figure_first = rng.random() < 0.3
    if figure_first:
        p.figure(int(p.h * rng.uniform(0.15, 0.25)))
    cols = int(rng.integers(3, 7))
    header = [title(rng, 1, 1) for _ in range(cols)]
    p.table(int(rng.integers(5, 30)), cols, header, shade=(225, 225, 225) if rng.random() < 0.5
            else None, grid=rng.random() < 0.6,
            max_y=p.bottom if figure_first else p.bottom - int(p.h * 0.2))
    if not figure_first and rng.random() < 0.5:
        p.figure(int(p.h * rng.uniform(0.12, 0.2)))
    elif p.y < p.bottom - 4 * p.size:
        p.paragraph(int(rng.integers(1, 3)))
    p.footer()


def form(p):
    rng = p.rng
    ft = p.font(rng.uniform(1.5, 2.1), 'bold', head=True)
    p.text(p.w / 2, p.y, title(rng, 2, 4).upper(), ft, anchor='ma')
    p.y += int(p.line_height(ft) * 1.3)
    if rng.random() < 0.7:
        p.paragraph(1, p.font(0.85, 'italic'))
    f, fb = p.font(), p.font(1.05, 'bold')
    boxes = rng.random() < 0.5
    two_cols = rng.random() < 0.5
    lh = int(p.line_height(f) * rng.uniform(1.6, 2.2))
    while p.y + 3 * lh < p.bottom - 3 * lh:
        if rng.random() < 0.25:  # a section heading
            p.y += lh // 3
            p.text(p.left, p.y, title(rng, 1, 3), fb)
            p.y += p.line_height(fb) + 4
            continue
        if rng.random() < 0.2:  # a row of check boxes
            x = p.left
            for _ in range(int(rng.integers(2, 5))):
                s = int(f.size * 0.9)
                p.draw.rectangle([x, p.y, x + s, p.y + s], outline=p.ink, width=1)
                if rng.random() < 0.4:
                    p.draw.line([(x + 2, p.y + s // 2), (x + s // 2, p.y + s - 2), (x + s, p.y - 2)],
                                fill=p.ink, width=2)
                label = word(rng, 2, 3).capitalize()
                p.text(x + s + 6, p.y, label, f)
                x += s + 24 + f.getlength(label)
            p.y += lh
            continue
        spans = [(p.left, p.right)] if not two_cols else \
            [(p.left, (p.left + p.right) / 2 - 10), ((p.left + p.right) / 2 + 10, p.right)]
        for x0, x1 in spans:
            label = f'{title(rng, 1, 2)}:'
            p.text(x0, p.y, label, f)
            xs = x0 + f.getlength(label) + 8
            if boxes:
                p.draw.rectangle([xs, p.y - 3, x1, p.y + f.size + 4], outline=p.ink, width=1)
            else:
                p.draw.line([(xs, p.y + f.size + 2), (x1, p.y + f.size + 2)], fill=p.ink, width=1)
            if rng.random() < 0.3:  # filled in by hand (blue)
                p.text(xs + 6, p.y, ' '.join(words(rng, 2)), f, fill=(30, 40, 150))
        p.y += lh
    p.y = max(p.y, p.bottom - 2 * lh)
    p.text(p.left, p.y, 'Signature:', f)
    p.draw.line([(p.left + f.getlength('Signature:') + 8, p.y + f.size + 2),
                 ((p.left + p.right) / 2, p.y + f.size + 2)], fill=p.ink, width=1)
    p.text(p.right, p.y, f'Date: {date(rng)}', f, anchor='ra')
    p.footer(f'Form {word(rng, 1, 2).upper()}-{rng.integers(10, 999)}')


LAYOUTS = {'letter': letter, 'invoice': invoice, 'table': table_page, 'form': form}
# Page height / width: A4, US letter, and (tables only, sometimes) A4 landscape.
LANDSCAPE = 0.707                  # A4 on its side
ASPECTS = {'letter': (1.414, 1.294), 'invoice': (1.414, 1.294), 'form': (1.414, 1.294),
           'table': (1.414, 1.294, LANDSCAPE)}


def render_page(kind, rng, width=None, landscape=None):
    """An upright page of the given kind (KINDS) as a PIL RGB image, drawn from `rng`
    (a numpy Generator). `width` defaults to 600-720 pixels. landscape: None draws the
    page's shape from ASPECTS (only tables are ever landscape); True or False asks for A4
    landscape, or for one of the kind's portrait shapes."""
    if kind not in LAYOUTS:
        raise ValueError(f'unknown page kind {kind!r}; expected one of {", ".join(KINDS)}')
    if landscape is None:
        aspect = float(rng.choice(ASPECTS[kind]))
    elif landscape:
        aspect = LANDSCAPE
    else:
        aspect = float(rng.choice([a for a in ASPECTS[kind] if a > 1]))
    width = width or int(rng.integers(600, 720))
    if aspect < 1:   # landscape: keep the text size of a portrait page
        width = int(width / aspect * 0.8)
    height = int(round(width * aspect))
    paper = tuple(int(v) for v in 255 - rng.integers(0, 18, 3))
    ink = tuple(int(v) for v in rng.integers(0, 50, 3))
    p = Page(rng, width, height, paper, ink)
    LAYOUTS[kind](p)
    return p.img
