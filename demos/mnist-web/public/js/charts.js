// A small line chart on a <canvas>: several series of [x, y] points, linear axes with "nice"
// ticks, a legend, HiDPI-aware. No dependencies.

function niceStep(range, target) {
  const raw = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function fmt(v, step) {
  const digits = Math.max(0, Math.min(4, -Math.floor(Math.log10(step || 1))));
  return v.toFixed(digits);
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{title: string, xLabel?: string, yMin?: number, yMax?: number, logY?: boolean}} options
   */
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = options;
    /** @type {{name: string, color: string, width?: number, dots?: boolean, points: number[][]}[]} */
    this.series = [];
    this.draws = 0;
  }

  setSeries(series) {
    this.series = series;
  }

  /** Resizes the backing store to the element's CSS size times devicePixelRatio. */
  _fit() {
    const dpr = window.devicePixelRatio || 1;
    const rect = this.canvas.getBoundingClientRect();
    const w = Math.max(200, Math.round((rect.width || this.canvas.width) * dpr));
    const h = Math.max(120, Math.round((rect.height || this.canvas.height) * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return dpr;
  }

  draw() {
    const dpr = this._fit();
    const ctx = this.canvas.getContext('2d');
    const W = this.canvas.width / dpr;
    const H = this.canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    const o = this.options;
    const pad = { l: 50, r: 12, t: 26, b: 30 };
    const pw = W - pad.l - pad.r;
    const ph = H - pad.t - pad.b;

    const pts = this.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    let x0 = 0;
    let x1 = Math.max(1, ...pts.map((p) => p[0]));
    let y0 = o.yMin ?? Math.min(...pts.map((p) => p[1]), Infinity);
    let y1 = o.yMax ?? Math.max(...pts.map((p) => p[1]), -Infinity);
    if (!Number.isFinite(y0) || !Number.isFinite(y1)) {
      y0 = 0;
      y1 = 1;
    }
    if (y1 - y0 < 1e-6) {
      y1 = y0 + 1;
    }
    const yStep = niceStep(y1 - y0, 5);
    if (o.yMin === undefined) y0 = Math.floor(y0 / yStep) * yStep;
    if (o.yMax === undefined) y1 = Math.ceil(y1 / yStep) * yStep;
    const xStep = niceStep(x1 - x0, 6);
    x1 = Math.ceil(x1 / xStep) * xStep;
    // 6 px inside the right edge, so that points at the last step stay visible.
    const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * (pw - 6);
    const Y = (y) => pad.t + ph - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * ph;

    // Grid and axes.
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#e6e9ef';
    ctx.fillStyle = '#667085';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let y = y0; y <= y1 + yStep * 1e-6; y += yStep) {
      ctx.beginPath();
      ctx.moveTo(pad.l, Y(y) + 0.5);
      ctx.lineTo(pad.l + pw, Y(y) + 0.5);
      ctx.stroke();
      ctx.fillText(fmt(y, yStep), pad.l - 6, Y(y));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let x = x0; x <= x1 + xStep * 1e-6; x += xStep) {
      ctx.beginPath();
      ctx.moveTo(X(x) + 0.5, pad.t);
      ctx.lineTo(X(x) + 0.5, pad.t + ph);
      ctx.stroke();
      ctx.fillText(fmt(x, xStep), X(x), pad.t + ph + 5);
    }
    ctx.strokeStyle = '#98a2b3';
    ctx.strokeRect(pad.l + 0.5, pad.t + 0.5, pw, ph);
    ctx.fillStyle = '#1d2330';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(o.title, pad.l, 6);
    if (o.xLabel) {
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#667085';
      ctx.textAlign = 'right';
      ctx.fillText(o.xLabel, pad.l + pw, pad.t + ph + 17);
    }

    // Series.
    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.l, pad.t, pw, ph);
    ctx.clip();
    for (const s of this.series) {
      if (!s.points.length) continue;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.width ?? 1.5;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.stroke();
      if (s.dots) {
        for (const [x, y] of s.points) {
          ctx.beginPath();
          ctx.arc(X(x), Y(y), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();

    // Legend (top right).
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    let lx = W - pad.r;
    for (const s of [...this.series].reverse()) {
      const label = s.label ?? s.name;
      const tw = ctx.measureText(label).width;
      lx -= tw + 24;
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 11, 14, 3);
      ctx.fillStyle = '#344054';
      ctx.fillText(label, lx + 18, 13);
    }
    this.draws++;
  }
}
