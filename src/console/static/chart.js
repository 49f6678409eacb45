// A small time-series line chart drawn as SVG: one line per series, a y axis from zero, time below.

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#0b7285', '#5c940d', '#e67700'];
const W = 640;
const H = 220;
const PAD = { left: 60, right: 12, top: 12, bottom: 26 };

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A round upper bound for the y axis. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const short = (v) => (v >= 1e9 ? `${+(v / 1e9).toFixed(1)}G` : v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toPrecision(3)}`);

/**
 * series: [{ name, points: [[epochMs, value|undefined], ...] }]; a missing value breaks the line.
 * Returns a <figure> with the SVG and a legend.
 */
export function lineChart(title, series, unit) {
  const fig = document.createElement('figure');
  fig.className = 'chart panel';
  fig.style.margin = '0';
  const cap = document.createElement('h3');
  cap.textContent = `${title} (${unit})`;
  fig.append(cap);
  const all = series.flatMap((s) => s.points);
  const values = all.map((p) => p[1]).filter((v) => typeof v === 'number');
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  fig.append(root);
  if (all.length === 0 || values.length === 0) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#667085' }, 'No samples yet'));
    return fig;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(t0 + 1000, ...all.map((p) => p[0]));
  const ymax = niceMax(Math.max(...values));
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / ymax) * (H - PAD.top - PAD.bottom);
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), stroke: '#e4e7ec' }));
    root.append(svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#667085' }, short(v)));
  }
  for (const t of [t0, (t0 + t1) / 2, t1]) {
    root.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': t === t0 ? 'start' : t === t1 ? 'end' : 'middle', 'font-size': 12, fill: '#667085' }, new Date(t).toLocaleTimeString('en-GB')));
  }
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (typeof v !== 'number') {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) root.append(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    const item = document.createElement('span');
    const sw = document.createElement('i');
    sw.style.background = color;
    item.append(sw, s.name);
    legend.append(item);
  });
  fig.append(legend);
  return fig;
}
