// The annotation page: oriented boxes over the images served by server.py.
//
// A box is {class, cx, cy, width, height, angle} in pixels of the full-resolution image
// (x right, y down) and degrees counter-clockwise as seen on screen (0 = upright). The
// box's own axes: u (along the width) = (cos a, -sin a), v (along the height, pointing
// to the box's bottom) = (sin a, cos a), in image coordinates with y down. The round
// handle sits above the middle of the top edge (the -v side).
//
// Every change is sent at once to the server (POST api/annotations, one image's boxes),
// which rewrites the CSV; failures are shown in the red bar and retried.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const canvas = $('canvas');
  const ctx = canvas.getContext('2d');
  const stage = $('stage');
  const HANDLE = 6;          // half the side of a resize handle, CSS pixels
  const STALK = 30;          // from the top edge to the rotation handle, CSS pixels
  const MIN_DRAG = 4;        // a drawn box smaller than this (CSS pixels) is a click
  const RETRY_MS = 3000;
  const COLORS = ['#ff453a', '#32d74b', '#0a84ff', '#ffd60a', '#bf5af2', '#64d2ff',
                  '#ff9f0a', '#ff375f', '#ac8e68'];

  const st = {
    images: [], classes: [], annotations: {}, index: -1,
    selected: -1, cls: 0,
    img: null, loadedImage: null,              // the decoded image on show, and its name
    view: { scale: 1, ox: 0, oy: 0, w: 0, h: 0, dpr: 1 },
    drag: null,
    undo: [], redo: [], merge: null,
    dirty: new Set(), saving: false, retry: null, failed: false,
  };

  // ---- geometry -------------------------------------------------------------------
  const copy = (x) => JSON.parse(JSON.stringify(x));
  const rad = (deg) => deg * Math.PI / 180;
  function normAngle(a) {
    a %= 360;
    if (a > 180) a -= 360;
    else if (a <= -180) a += 360;
    return a + 0;
  }
  function axes(b) {
    const a = rad(b.angle);
    return { ux: Math.cos(a), uy: -Math.sin(a), vx: Math.sin(a), vy: Math.cos(a) };
  }
  function fromLocal(b, lx, ly, k = axes(b)) {
    return { x: b.cx + lx * k.ux + ly * k.vx, y: b.cy + lx * k.uy + ly * k.vy };
  }
  function toLocal(b, x, y, k = axes(b)) {
    const dx = x - b.cx, dy = y - b.cy;
    return { x: dx * k.ux + dy * k.uy, y: dx * k.vx + dy * k.vy };
  }
  // Direction of (dx, dy) in degrees counter-clockwise from straight up, on screen.
  const direction = (dx, dy) => Math.atan2(-dx, -dy) * 180 / Math.PI;
  const toScreen = (p) => ({ x: st.view.ox + p.x * st.view.scale,
                             y: st.view.oy + p.y * st.view.scale });
  const toImage = (s) => ({ x: (s.x - st.view.ox) / st.view.scale,
                            y: (s.y - st.view.oy) / st.view.scale });
  function eventPoint(e) {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  // Handles of a box: 8 resize handles (sx, sy in -1, 0, 1) and the rotation handle,
  // with their positions on screen.
  function handles(b) {
    const out = [];
    for (const sy of [-1, 0, 1]) {
      for (const sx of [-1, 0, 1]) {
        if (sx || sy) {
          out.push({ kind: 'resize', sx, sy,
                     at: toScreen(fromLocal(b, sx * b.width / 2, sy * b.height / 2)) });
        }
      }
    }
    out.push({ kind: 'rotate',
               at: toScreen(fromLocal(b, 0, -b.height / 2 - STALK / st.view.scale)) });
    return out;
  }

  // ---- data -----------------------------------------------------------------------
  const currentImage = () => st.images[st.index];
  function boxesOf(image) {
    if (image === undefined) return [];
    if (!st.annotations[image]) st.annotations[image] = [];
    return st.annotations[image];
  }
  const classColor = (cls) => COLORS[Math.max(0, st.classes.indexOf(cls)) % COLORS.length];

  // Records an undo step (the image's boxes before the change) and saves the image.
  // Changes with the same mergeKey within a second (a held rotation key) make one step.
  function commit(image, before, mergeKey) {
    const now = Date.now();
    const merged = mergeKey && st.merge && st.merge.key === mergeKey &&
                   st.merge.image === image && now - st.merge.time < 1000;
    if (!merged) st.undo.push({ image, boxes: before });
    st.merge = mergeKey ? { key: mergeKey, image, time: now } : null;
    st.redo = [];
    save(image);
    refresh();
  }

  function restore(from, to) {
    const entry = from.pop();
    if (!entry) return;
    to.push({ image: entry.image, boxes: copy(boxesOf(entry.image)) });
    st.annotations[entry.image] = entry.boxes;
    st.merge = null;
    st.selected = -1;
    const i = st.images.indexOf(entry.image);
    if (i >= 0 && i !== st.index) goTo(i);
    save(entry.image);
    refresh();
  }

  // ---- saving ---------------------------------------------------------------------
  function setStatus(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = cls || '';
    document.body.dataset.saved = st.dirty.size || st.saving ? 'false' : 'true';
  }
  function showError(message) {
    const e = $('error');
    e.textContent = message;
    e.hidden = false;
  }
  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  function save(image) {
    st.dirty.add(image);
    flush();
  }

  async function flush() {
    if (st.saving) return;
    if (st.retry) { clearTimeout(st.retry); st.retry = null; }
    while (st.dirty.size) {
      const image = st.dirty.values().next().value;
      st.dirty.delete(image);
      st.saving = true;
      setStatus('saving\u2026', 'busy');
      const boxes = (st.annotations[image] || []).map((b) => ({
        class: b.class, cx: b.cx, cy: b.cy, width: b.width, height: b.height, angle: b.angle }));
      try {
        let response;
        try {
          response = await fetch('api/annotations', {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ image, boxes }) });
        } catch (err) {
          throw new Error('the server cannot be reached (' + err.message + ')');
        }
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(body.error || 'HTTP ' + response.status);
      } catch (err) {
        st.dirty.add(image);
        st.saving = false;
        st.failed = true;
        showError('Not saved: ' + err.message + ' \u2014 retrying; changes are kept in this page.');
        setStatus('not saved', 'failed');
        st.retry = setTimeout(() => { st.retry = null; flush(); }, RETRY_MS);
        return;
      }
      st.saving = false;
    }
    if (st.failed) { clearError(); st.failed = false; }
    setStatus('saved');
  }

  window.addEventListener('beforeunload', (e) => {
    if (st.dirty.size || st.saving) { e.preventDefault(); e.returnValue = ''; }
  });

  // ---- images ---------------------------------------------------------------------
  function goTo(index) {
    if (!st.images.length) return;
    index = Math.max(0, Math.min(st.images.length - 1, index));
    if (st.drag) cancelDrag();
    const changed = index !== st.index;
    st.index = index;
    if (changed) st.selected = -1;
    const name = currentImage();
    history.replaceState(null, '', '#image=' + encodeURIComponent(name));
    $('position').textContent = (index + 1) + ' / ' + st.images.length;
    $('image-name').textContent = name;
    if (st.loadedImage !== name) {
      st.img = null;
      st.loadedImage = null;
      delete canvas.dataset.image;
      const im = new Image();
      im.onload = () => {
        if (currentImage() !== name) return;
        st.img = im;
        st.loadedImage = name;
        layout();
        canvas.dataset.image = name;
      };
      im.onerror = () => showError('Cannot load image ' + name);
      im.src = 'images/' + name.split('/').map(encodeURIComponent).join('/');
      if (index + 1 < st.images.length) {      // fetch the next one early
        new Image().src = 'images/' +
          st.images[index + 1].split('/').map(encodeURIComponent).join('/');
      }
    }
    refresh();
  }

  function layout() {
    const r = stage.getBoundingClientRect();
    const v = st.view;
    v.dpr = window.devicePixelRatio || 1;
    v.w = r.width;
    v.h = r.height;
    canvas.style.width = r.width + 'px';
    canvas.style.height = r.height + 'px';
    canvas.width = Math.round(r.width * v.dpr);
    canvas.height = Math.round(r.height * v.dpr);
    if (st.img) {
      const iw = st.img.naturalWidth, ih = st.img.naturalHeight;
      v.scale = Math.min(r.width / iw, r.height / ih);
      v.ox = (r.width - iw * v.scale) / 2;
      v.oy = (r.height - ih * v.scale) / 2;
      canvas.dataset.scale = v.scale;
      canvas.dataset.ox = v.ox;
      canvas.dataset.oy = v.oy;
    }
    draw();
  }

  // ---- drawing --------------------------------------------------------------------
  function outline(b) {
    const k = axes(b), w = b.width / 2, h = b.height / 2;
    return [[-w, -h], [w, -h], [w, h], [-w, h]].map(([x, y]) => toScreen(fromLocal(b, x, y, k)));
  }

  function drawBox(b, selected, dashed) {
    const color = classColor(b.class);
    const c = outline(b);
    ctx.save();
    ctx.lineWidth = selected ? 3 : 2;
    ctx.strokeStyle = color;
    if (dashed) ctx.setLineDash([6, 4]);
    ctx.beginPath();
    c.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
    ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
    // the top: a tick out of the middle of the top edge (the stalk, when selected)
    const top = toScreen(fromLocal(b, 0, -b.height / 2));
    const tip = toScreen(fromLocal(b, 0, -b.height / 2 - (selected ? STALK : 10) / st.view.scale));
    ctx.beginPath();
    ctx.moveTo(top.x, top.y);
    ctx.lineTo(tip.x, tip.y);
    ctx.stroke();
    if (!dashed) {
      ctx.font = '12px system-ui, sans-serif';
      const tw = ctx.measureText(b.class).width;
      ctx.fillStyle = color;
      ctx.fillRect(c[0].x, c[0].y - 16, tw + 8, 16);
      ctx.fillStyle = '#000';
      ctx.fillText(b.class, c[0].x + 4, c[0].y - 4);
    }
    if (selected) {
      for (const h of handles(b)) {
        ctx.beginPath();
        if (h.kind === 'rotate') ctx.arc(h.at.x, h.at.y, HANDLE + 1, 0, 2 * Math.PI);
        else ctx.rect(h.at.x - HANDLE, h.at.y - HANDLE, 2 * HANDLE, 2 * HANDLE);
        ctx.fillStyle = '#fff';
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  function draw() {
    const v = st.view;
    ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
    ctx.fillStyle = '#1e1e1e';
    ctx.fillRect(0, 0, v.w, v.h);
    delete canvas.dataset.rotateHandle;
    if (!st.img) return;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(st.img, v.ox, v.oy, st.img.naturalWidth * v.scale, st.img.naturalHeight * v.scale);
    const boxes = boxesOf(currentImage());
    boxes.forEach((b, i) => { if (i !== st.selected) drawBox(b, false); });
    if (st.selected >= 0 && boxes[st.selected]) {
      const b = boxes[st.selected];
      drawBox(b, true);
      const r = handles(b).find((h) => h.kind === 'rotate').at;
      canvas.dataset.rotateHandle = r.x + ',' + r.y;    // for tests and tools
    }
    if (st.drag && st.drag.mode === 'draw' && st.drag.box) drawBox(st.drag.box, false, true);
  }

  function refresh() {
    const list = $('boxes');
    list.textContent = '';
    const image = currentImage();
    const boxes = image ? boxesOf(image) : [];
    boxes.forEach((b, i) => {
      const li = document.createElement('li');
      li.textContent = b.class + '  (' + b.cx.toFixed(1) + ', ' + b.cy.toFixed(1) + ')  ' +
        b.width.toFixed(1) + '\u00d7' + b.height.toFixed(1) + '  ' + b.angle.toFixed(1) + '\u00b0';
      Object.assign(li.dataset, { class: b.class, cx: b.cx, cy: b.cy, width: b.width,
                                  height: b.height, angle: b.angle });
      li.style.borderLeft = '4px solid ' + classColor(b.class);
      if (i === st.selected) li.className = 'selected';
      li.addEventListener('click', () => { st.selected = i; refresh(); });
      list.appendChild(li);
    });
    const sel = boxes[st.selected];
    if (sel) $('class').value = String(st.classes.indexOf(sel.class));
    else $('class').value = String(st.cls);
    draw();
  }

  // ---- mouse ----------------------------------------------------------------------
  function hit(s) {
    const boxes = boxesOf(currentImage());
    const b = boxes[st.selected];
    if (b) {
      for (const h of handles(b)) {
        const dx = s.x - h.at.x, dy = s.y - h.at.y;
        const near = h.kind === 'rotate' ? Math.hypot(dx, dy) <= HANDLE + 3
                                         : Math.max(Math.abs(dx), Math.abs(dy)) <= HANDLE + 2;
        if (near) return { i: st.selected, ...h };
      }
    }
    const p = toImage(s);
    const inside = (i) => {
      const l = toLocal(boxes[i], p.x, p.y);
      return Math.abs(l.x) <= boxes[i].width / 2 && Math.abs(l.y) <= boxes[i].height / 2;
    };
    if (b && inside(st.selected)) return { i: st.selected, kind: 'move' };
    for (let i = boxes.length - 1; i >= 0; i--) if (inside(i)) return { i, kind: 'move' };
    return null;
  }

  const RESIZE_CURSORS = ['ew-resize', 'nwse-resize', 'ns-resize', 'nesw-resize'];
  function cursorFor(h) {
    if (!h) return 'crosshair';
    if (h.kind === 'move') return 'move';
    if (h.kind === 'rotate') return 'grab';
    const b = boxesOf(currentImage())[h.i];
    const c = toScreen({ x: b.cx, y: b.cy });
    const deg = Math.atan2(h.at.y - c.y, h.at.x - c.x) * 180 / Math.PI;
    return RESIZE_CURSORS[((Math.round(deg / 45) % 4) + 4) % 4];
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (!st.img || e.button !== 0) return;
    canvas.setPointerCapture(e.pointerId);
    const s = eventPoint(e), p = toImage(s);
    const image = currentImage();
    const before = copy(boxesOf(image));
    const h = hit(s);
    if (!h) {
      st.selected = -1;
      st.drag = { mode: 'draw', image, before, p0: p, s0: s, box: null };
    } else {
      st.selected = h.i;
      const start = copy(boxesOf(image)[h.i]);
      st.drag = { mode: h.kind, image, before, i: h.i, start, p0: p, sx: h.sx, sy: h.sy };
    }
    refresh();
  });

  canvas.addEventListener('pointermove', (e) => {
    const s = eventPoint(e);
    const d = st.drag;
    if (!d) {
      if (st.img) canvas.style.cursor = cursorFor(hit(s));
      return;
    }
    const p = toImage(s);
    if (d.mode === 'draw') {
      d.box = { class: st.classes[st.cls], cx: (d.p0.x + p.x) / 2, cy: (d.p0.y + p.y) / 2,
                width: Math.abs(p.x - d.p0.x), height: Math.abs(p.y - d.p0.y), angle: 0 };
      d.big = Math.abs(s.x - d.s0.x) >= MIN_DRAG && Math.abs(s.y - d.s0.y) >= MIN_DRAG;
      draw();
      return;
    }
    const b = boxesOf(d.image)[d.i];
    const a = d.start;
    if (d.mode === 'move') {
      b.cx = a.cx + p.x - d.p0.x;
      b.cy = a.cy + p.y - d.p0.y;
    } else if (d.mode === 'rotate') {
      const turn = direction(p.x - a.cx, p.y - a.cy) - direction(d.p0.x - a.cx, d.p0.y - a.cy);
      let angle = a.angle + turn;
      if (e.shiftKey) angle = Math.round(angle / 15) * 15;
      b.angle = normAngle(angle);
    } else if (d.mode === 'resize') {
      // the side (or corner) opposite the handle stays where it was
      const k = axes(a), l = toLocal(a, p.x, p.y, k);
      const minSize = 1 / st.view.scale;
      let lcx = 0, lcy = 0;
      if (d.sx) {
        const anchor = -d.sx * a.width / 2;
        b.width = Math.max(minSize, d.sx * (l.x - anchor));
        lcx = anchor + d.sx * b.width / 2;
      }
      if (d.sy) {
        const anchor = -d.sy * a.height / 2;
        b.height = Math.max(minSize, d.sy * (l.y - anchor));
        lcy = anchor + d.sy * b.height / 2;
      }
      const c = fromLocal(a, lcx, lcy, k);
      b.cx = c.x;
      b.cy = c.y;
    }
    refresh();
  });

  function endDrag() {
    const d = st.drag;
    st.drag = null;
    if (!d) return;
    if (d.mode === 'draw') {
      if (d.box && d.big) {
        const boxes = boxesOf(d.image);
        boxes.push(d.box);
        st.selected = boxes.length - 1;
        commit(d.image, d.before);
      } else {
        refresh();
      }
      return;
    }
    if (JSON.stringify(boxesOf(d.image)) !== JSON.stringify(d.before)) commit(d.image, d.before);
    else refresh();
  }

  function cancelDrag() {
    const d = st.drag;
    st.drag = null;
    if (d && d.mode !== 'draw') st.annotations[d.image] = d.before;
    refresh();
  }

  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', cancelDrag);

  // ---- editing --------------------------------------------------------------------
  function editSelected(change, mergeKey) {
    const image = currentImage();
    const b = boxesOf(image)[st.selected];
    if (!b || st.drag) return;
    const before = copy(boxesOf(image));
    change(b);
    commit(image, before, mergeKey);
  }

  function deleteSelected() {
    const image = currentImage();
    if (st.selected < 0 || st.drag) return;
    const before = copy(boxesOf(image));
    boxesOf(image).splice(st.selected, 1);
    st.selected = -1;
    commit(image, before);
  }

  function pickClass(k) {
    if (k < 0 || k >= st.classes.length) return;
    st.cls = k;
    const b = boxesOf(currentImage())[st.selected];
    if (b && b.class !== st.classes[k]) editSelected((box) => { box.class = st.classes[k]; });
    else refresh();
  }

  const rotateSelected = (deg) =>
    editSelected((b) => { b.angle = normAngle(b.angle + deg); }, 'rotate');

  $('class').addEventListener('change', (e) => { pickClass(Number(e.target.value)); e.target.blur(); });
  $('prev').addEventListener('click', () => goTo(st.index - 1));
  $('next').addEventListener('click', () => goTo(st.index + 1));
  $('undo').addEventListener('click', () => restore(st.undo, st.redo));
  $('redo').addEventListener('click', () => restore(st.redo, st.undo));
  $('delete').addEventListener('click', deleteSelected);

  window.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA') return;
    const key = e.key.toLowerCase();
    const ctrl = e.ctrlKey || e.metaKey;
    let handled = true;
    if (ctrl && key === 'z') restore(e.shiftKey ? st.redo : st.undo, e.shiftKey ? st.undo : st.redo);
    else if (ctrl && key === 'y') restore(st.redo, st.undo);
    else if (ctrl || e.altKey) handled = false;
    else if (key === 'arrowright' || key === 'pagedown' || key === 'n') goTo(st.index + 1);
    else if (key === 'arrowleft' || key === 'pageup' || key === 'p') goTo(st.index - 1);
    else if (key === 'q') rotateSelected(e.shiftKey ? 90 : 1);
    else if (key === 'e') rotateSelected(e.shiftKey ? -90 : -1);
    else if (key === 'delete' || key === 'backspace') deleteSelected();
    else if (key === 'escape') { if (st.drag) cancelDrag(); st.selected = -1; refresh(); }
    else if (key === 'tab') {
      const n = boxesOf(currentImage()).length;
      st.selected = n ? (st.selected + (e.shiftKey ? n - 1 : 1)) % n : -1;
      refresh();
    } else if (/^[1-9]$/.test(e.key)) pickClass(Number(e.key) - 1);
    else handled = false;
    if (handled) e.preventDefault();
  });

  new ResizeObserver(layout).observe(stage);

  // ---- start ----------------------------------------------------------------------
  async function start() {
    let state;
    try {
      const response = await fetch('api/state');
      state = await response.json();
      if (!response.ok) throw new Error(state.error || 'HTTP ' + response.status);
    } catch (err) {
      showError('Cannot load the annotations from the server: ' + err.message);
      return;
    }
    st.images = state.images;
    st.classes = state.classes;
    st.annotations = state.annotations;
    $('csv-path').textContent = 'Saving to ' + state.csv;
    const select = $('class');
    st.classes.forEach((c, i) => {
      const o = document.createElement('option');
      o.value = String(i);
      o.textContent = (i < 9 ? (i + 1) + ': ' : '') + c;
      select.appendChild(o);
    });
    if (!st.images.length) {
      showError('No images (.png, .jpg, .jpeg, .gif, .bmp, .webp) in the served folder.');
      return;
    }
    const m = /^#image=(.*)$/.exec(location.hash);
    const wanted = m ? st.images.indexOf(decodeURIComponent(m[1])) : -1;
    setStatus('saved');
    goTo(wanted >= 0 ? wanted : 0);
  }
  start();
})();
