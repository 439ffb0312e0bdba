"""caffe.Timer: wall-clock timing in milliseconds, as BVLC's (start / stop / ms).

    t = caffe.Timer()
    t.start(); net.forward(); t.stop()
    print(t.ms)

It measures wall-clock time on the host; in GPU mode, read a result (blob.data) before
stop() so that the device work is included.
"""
import time


class Timer:
    def __init__(self):
        self._start = None
        self._elapsed = 0.0
        self.running = False

    def start(self):
        """Starts (or restarts) the clock."""
        self._start = time.perf_counter()
        self.running = True

    def stop(self):
        """Stops the clock; ms then holds the time since start()."""
        if self.running:
            self._elapsed = time.perf_counter() - self._start
            self.running = False

    @property
    def ms(self):
        """Milliseconds from start() to stop() (to now while running)."""
        if self.running:
            return (time.perf_counter() - self._start) * 1e3
        return self._elapsed * 1e3

    @property
    def seconds(self):
        return self.ms / 1e3
