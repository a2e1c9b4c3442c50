// Small SVG charts, drawn with DOM calls (no inline markup, no library).
const SVG = 'http://www.w3.org/2000/svg';

function svg(width, height, cls) {
  const el = document.createElementNS(SVG, 'svg');
  el.setAttribute('width', String(width));
  el.setAttribute('height', String(height));
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  el.setAttribute('class', cls);
  return el;
}

/** A line of the numbers (nulls are gaps), scaled to its own maximum, with an optional limit line. */
export function sparkline(values, { width = 180, height = 28, limit = null } = {}) {
  const el = svg(width, height, 'spark');
  const known = values.filter(v => v !== null && v !== undefined);
  const max = Math.max(1e-9, ...known, limit ?? 0);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  let points = [];
  const flush = () => {
    if (points.length > 1) {
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points.join(' '));
      line.setAttribute('class', 'spark-line');
      el.appendChild(line);
    }
    points = [];
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      flush();
    } else {
      points.push(`${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
    }
  });
  flush();
  if (limit !== null) {
    const y = (height - 2 - (limit / max) * (height - 4)).toFixed(1);
    const line = document.createElementNS(SVG, 'line');
    line.setAttribute('x1', '0'); line.setAttribute('x2', String(width));
    line.setAttribute('y1', y); line.setAttribute('y2', y);
    line.setAttribute('class', 'spark-limit');
    el.appendChild(line);
  }
  return el;
}

/** Stacked columns, one per entry of {label, parts: {name: n}}, with a legend. */
export function columns(entries, names, { width = 640, height = 160 } = {}) {
  const wrap = document.createElement('div');
  const el = svg(width, height, 'columns');
  const total = e => names.reduce((s, n) => s + (e.parts[n] || 0), 0);
  const max = Math.max(1, ...entries.map(total));
  const w = width / Math.max(1, entries.length);
  entries.forEach((e, i) => {
    let y = height;
    names.forEach((n, k) => {
      const v = e.parts[n] || 0;
      if (v <= 0) return;
      const h = (v / max) * (height - 10);
      y -= h;
      const r = document.createElementNS(SVG, 'rect');
      r.setAttribute('x', (i * w + 1).toFixed(1));
      r.setAttribute('y', y.toFixed(1));
      r.setAttribute('width', Math.max(1, w - 2).toFixed(1));
      r.setAttribute('height', h.toFixed(1));
      r.setAttribute('class', `series-${k % 6}`);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${e.label}: ${n} ${v}`;
      r.appendChild(title);
      el.appendChild(r);
    });
  });
  wrap.appendChild(el);
  const legend = document.createElement('p');
  legend.className = 'legend';
  names.forEach((n, k) => {
    const key = document.createElement('span');
    key.className = `key series-${k % 6}`;
    key.textContent = n;
    legend.appendChild(key);
  });
  wrap.appendChild(legend);
  return wrap;
}

/** Paired horizontal bars: one row per metric, one bar per config. */
export function pairedBars(rows, labels, { width = 520 } = {}) {
  const table = document.createElement('table');
  table.className = 'bars';
  const head = table.createTHead().insertRow();
  ['', ...labels].forEach(l => { const th = document.createElement('th'); th.textContent = l; head.appendChild(th); });
  const body = table.createTBody();
  rows.forEach(({ metric, values, text }) => {
    const tr = body.insertRow();
    const name = tr.insertCell();
    name.textContent = metric;
    const max = Math.max(1e-9, ...values.filter(v => Number.isFinite(v)));
    values.forEach((v, i) => {
      const td = tr.insertCell();
      const bar = document.createElement('div');
      bar.className = `bar series-${i}`;
      bar.style.width = `${Number.isFinite(v) ? Math.round((v / max) * (width / labels.length - 60)) : 0}px`;
      const label = document.createElement('span');
      label.textContent = text[i];
      td.appendChild(bar);
      td.appendChild(label);
    });
  });
  return table;
}
