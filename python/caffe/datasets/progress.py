"""A small progress display (no dependency): one line redrawn in place on a terminal,
a line every 10% otherwise (logs stay readable).

    with Progress(total=1000, label='train') as bar:
        for ...:
            bar.update(1, loss=0.12)
"""
import sys
import time


class Progress:
    def __init__(self, total, label='', stream=None, width=30):
        self.total, self.label, self.width = max(int(total), 1), label, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self.done, self.start, self.info = 0, time.time(), {}
        self._last_draw, self._last_decile = 0.0, -1

    def update(self, n=1, **info):
        self.done = min(self.done + n, self.total)
        self.info.update(info)
        now = time.time()
        decile = self.done * 10 // self.total
        if self.tty and (now - self._last_draw > 0.1 or self.done == self.total):
            self._draw('\r', '')
            self._last_draw = now
        elif not self.tty and decile != self._last_decile:
            self._draw('', '\n')
            self._last_decile = decile

    def _draw(self, prefix, suffix):
        frac = self.done / self.total
        filled = int(round(frac * self.width))
        elapsed = time.time() - self.start
        eta = elapsed / frac - elapsed if frac > 0 else 0
        extra = ''.join(f' {k} {v:.4g}' if isinstance(v, float) else f' {k} {v}'
                        for k, v in self.info.items())
        self.stream.write(f'{prefix}{self.label} [{"#" * filled}{"." * (self.width - filled)}]'
                          f' {self.done}/{self.total} {elapsed:.0f}s (eta {eta:.0f}s){extra}'
                          f'{suffix}')
        self.stream.flush()

    def close(self):
        if self.tty:
            self._draw('\r', '\n')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
