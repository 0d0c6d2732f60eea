// The drawing pad: white strokes on black (as MNIST), pointer events (mouse, pen, touch), and the
// MNIST-style preprocessing of what was drawn into the 28x28 input the model expects.

export class DrawPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onStrokeEnd?: () => void}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onStrokeEnd = options.onStrokeEnd || (() => {});
    this.drawing = false;
    this.last = null;
    this.strokes = 0;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this._down(e));
    canvas.addEventListener('pointermove', (e) => this._move(e));
    canvas.addEventListener('pointerup', (e) => this._up(e));
    canvas.addEventListener('pointercancel', (e) => this._up(e));
    canvas.addEventListener('pointerleave', (e) => this._up(e));
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = 0;
  }

  _pos(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  _dot([x, y]) {
    const c = this.ctx;
    c.fillStyle = '#fff';
    c.beginPath();
    c.arc(x, y, this.canvas.width / 26, 0, 2 * Math.PI);
    c.fill();
  }

  _down(e) {
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    this.drawing = true;
    this.last = this._pos(e);
    this._dot(this.last);
  }

  _move(e) {
    if (!this.drawing) return;
    const p = this._pos(e);
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.canvas.width / 13;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(...this.last);
    c.lineTo(...p);
    c.stroke();
    this.last = p;
  }

  _up() {
    if (!this.drawing) return;
    this.drawing = false;
    this.strokes++;
    this.onStrokeEnd();
  }

  /**
   * The drawing as MNIST does it: the ink's bounding box scaled (area-averaged) to fit 20x20,
   * keeping its aspect ratio, placed in 28x28 with its center of mass at the center. Returns
   * 784 bytes (0..255, row-major), or null when nothing is drawn.
   */
  toMnist() {
    const { width: w, height: h } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, w, h).data;
    const v = new Float32Array(w * h);
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const a = rgba[(y * w + x) * 4];
        v[y * w + x] = a;
        if (a > 20) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 < 0) return null;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const f = Math.max(bw, bh) / 20; // source pixels per target pixel
    const tw = Math.max(1, Math.round(bw / f));
    const th = Math.max(1, Math.round(bh / f));
    // Area average of the source pixels under each target pixel.
    const box = new Float32Array(tw * th);
    for (let ty = 0; ty < th; ty++) {
      const sy0 = y0 + ty * f;
      const sy1 = Math.min(y1 + 1, y0 + (ty + 1) * f);
      for (let tx = 0; tx < tw; tx++) {
        const sx0 = x0 + tx * f;
        const sx1 = Math.min(x1 + 1, x0 + (tx + 1) * f);
        let sum = 0;
        let area = 0;
        for (let sy = Math.floor(sy0); sy < Math.ceil(sy1); sy++) {
          const wy = Math.min(sy + 1, sy1) - Math.max(sy, sy0);
          for (let sx = Math.floor(sx0); sx < Math.ceil(sx1); sx++) {
            const wx = Math.min(sx + 1, sx1) - Math.max(sx, sx0);
            sum += v[sy * w + sx] * wx * wy;
            area += wx * wy;
          }
        }
        box[ty * tw + tx] = area > 0 ? sum / area : 0;
      }
    }
    // Center of mass of the box, moved to (14, 14).
    let m = 0;
    let mx = 0;
    let my = 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const p = box[y * tw + x];
        m += p;
        mx += p * (x + 0.5);
        my += p * (y + 0.5);
      }
    }
    const ox = Math.round(14 - mx / m);
    const oy = Math.round(14 - my / m);
    const out = new Uint8Array(784);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const X = x + ox;
        const Y = y + oy;
        if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = Math.min(255, Math.round(box[y * tw + x]));
      }
    }
    return out;
  }
}

/** Paints 784 bytes (0..255) onto a 28x28 canvas (white ink on black). */
export function paintDigit(canvas, pixels, offset = 0) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const p = pixels[offset + i];
    img.data[i * 4] = p;
    img.data[i * 4 + 1] = p;
    img.data[i * 4 + 2] = p;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
