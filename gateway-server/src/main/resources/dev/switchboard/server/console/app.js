// The Switchboard admin console: plain ES modules, data from the admin port's JSON endpoints, text only through
// textContent (nothing a request carries is ever parsed as markup).
import { sparkline, columns, pairedBars } from './charts.js';

const $ = id => document.getElementById(id);
let token = null;

async function api(path, { method = 'GET', body = null, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { ...headers } };
  if (method !== 'GET') {
    if (token === null) {
      token = (await api('/admin/console-token')).token;
    }
    init.headers['x-switchboard-console'] = token;
    init.headers['content-type'] = init.headers['content-type'] || 'application/json';
    init.body = body;
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!r.ok) {
    const message = json && json.error ? json.error.message : `${r.status} ${r.statusText}`;
    throw new Error(message);
  }
  return json;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text === null || text === undefined ? '—' : String(text);
  if (cls) td.className = cls;
  return td;
}

function ms(v) { return v === null || v === undefined ? '—' : `${Math.round(v)} ms`; }
function pct(v) { return `${(v * 100).toFixed(1)}%`; }
function money(v, c) {
  const n = Number(v);
  const text = n !== 0 && Math.abs(n) < 0.01 ? n.toFixed(6) : n.toFixed(4);
  return `${text} ${c || ''}`.trim();
}

function setStatus(ok, text) {
  const s = $('status');
  s.textContent = text;
  s.className = ok ? 'status ok' : 'status bad';
}

// ---- Backends -------------------------------------------------------------------------------------------------

/** Each backend's tightest first-token SLO among the rules that list it, in ms. */
function slos(config) {
  const out = {};
  for (const route of config.routes || []) {
    for (const rule of route.rules || []) {
      const slo = rule.slo && rule['slo']['first-token-p95'];
      if (!slo) continue;
      const msValue = durationMs(slo);
      for (const use of rule.use || []) {
        const name = use.backend;
        out[name] = Math.min(out[name] ?? Infinity, msValue);
      }
    }
  }
  return out;
}

function durationMs(iso) {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso);
  if (!m) return NaN;
  return ((+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0)) * 1000;
}

let configCache = null;

async function config() {
  if (configCache === null) configCache = await api('/admin/config');
  return configCache;
}

async function backends() {
  const [live, history, cfg] = await Promise.all([api('/admin/backends'), api('/admin/history'), config()]);
  const slo = slos(cfg);
  const body = $('backends-table').tBodies[0];
  body.replaceChildren();
  for (const b of live.backends) {
    const tr = body.insertRow();
    tr.dataset.backend = b.name;
    cell(tr, b.name, 'name');
    const state = b.circuit_breaker.state;
    cell(tr, state, `breaker breaker-${state}`);
    cell(tr, b.cooling_down_until ? `until ${b.cooling_down_until.substring(11, 19)}` : '—',
      b.cooling_down_until ? 'warn' : '');
    cell(tr, `${b.in_flight} / ${b.max_concurrency > 0 ? b.max_concurrency : '∞'}`, 'in-flight');
    const p95 = b.first_token_p95_ms;
    const limit = slo[b.name] ?? null;
    cell(tr, ms(p95), p95 !== null && limit !== null && p95 > limit ? 'bad' : '');
    cell(tr, limit === null ? '—' : ms(limit));
    cell(tr, pct(b.error_rate), b.error_rate > 0.05 ? 'bad' : '');
    cell(tr, b.tokens_per_second_p50 === null ? '—' : b.tokens_per_second_p50.toFixed(1));
    const samples = (history.backends[b.name] || []).map(s => s.first_token_p95_ms);
    tr.insertCell().appendChild(sparkline(samples, { limit }));
  }
}

// ---- Routes ---------------------------------------------------------------------------------------------------

function describeCondition(when) {
  if (!when || Object.keys(when).length === 0) return 'always';
  return JSON.stringify(when);
}

async function routes() {
  configCache = null;
  const cfg = await config();
  $('chain').textContent = `Every request: ${(cfg.chain || []).join(' → ')}`;
  const errors = cfg['last-reload-errors'] || [];
  $('reload-status').textContent = errors.length ? `The last reload was refused: ${errors.join('; ')}`
    : 'The config in force is the last one read.';
  $('reload-status').className = errors.length ? 'hint bad' : 'hint';
  const list = $('routes-list');
  list.replaceChildren();
  for (const route of cfg.routes || []) {
    list.appendChild(el('h3', route.name + (route.aliases && route.aliases.length ? ` (also ${route.aliases.join(', ')})` : '')));
    const table = el('table', null, 'rules');
    const head = table.createTHead().insertRow();
    ['#', 'When', 'Candidates', 'Strategy', 'SLO', 'Hedge', 'Reason'].forEach(h => head.appendChild(el('th', h)));
    const body = table.createTBody();
    (route.rules || []).forEach((rule, i) => {
      const tr = body.insertRow();
      cell(tr, i);
      cell(tr, ((cfg.conditions || {})[route.name] || [])[i] || describeCondition(rule.when), 'mono');
      cell(tr, (rule.use || []).map(u => u.weight && u.weight !== 1 ? `${u.backend}×${u.weight}` : u.backend).join(', '));
      cell(tr, String(rule.strategy).toLowerCase().replaceAll('_', '-'));
      const slo = rule.slo || {};
      cell(tr, [slo['first-token-p95'] && `first token ${durationMs(slo['first-token-p95'])} ms`,
        slo['total-p95'] && `total ${durationMs(slo['total-p95'])} ms`].filter(Boolean).join(', ') || '—');
      cell(tr, rule.hedge && rule.hedge.after ? (rule.hedge['live-percentile'] ? 'after the first candidate\'s p95' : `after ${durationMs(rule.hedge.after)} ms`) : '—');
      cell(tr, rule.reason || '');
    });
    list.appendChild(table);
  }
}

// ---- Decisions and their traces -------------------------------------------------------------------------------

function renderTrace(target, d) {
  target.replaceChildren();
  const summary = d.decision ? d.decision.summary : (d.summary || d.error || 'no routing decision');
  target.appendChild(el('p', summary, 'summary'));
  const facts = el('dl');
  const add = (k, v) => { if (v === undefined || v === null) return; facts.appendChild(el('dt', k)); facts.appendChild(el('dd', v)); };
  add('request', d.request_id);
  add('tenant', d.tenant);
  add('status', d.status !== undefined ? `${d.status}${d.error ? ' ' + d.error : ''}` : undefined);
  add('backend', d.backend);
  add('cache', d.cache);
  const comp = d.compliance && typeof d.compliance === 'object' ? d.compliance.verdict : d.compliance;
  add('compliance', comp);
  const found = d.found || (d.compliance && d.compliance.found) || {};
  add('customer data found', Object.keys(found).length ? Object.entries(found).map(([k, n]) => `${k} × ${n}`).join(', ') : 'none');
  add('latency', d.ms !== undefined ? ms(d.ms) : undefined);
  add('first token', d.first_token_ms !== undefined ? ms(d.first_token_ms) : undefined);
  add('cost', d.cost !== undefined ? money(d.cost, d.currency) : undefined);
  target.appendChild(facts);
  const decision = d.decision || (d.candidates ? d : null);
  if (decision) {
    target.appendChild(el('h4', `Route ${decision.route}, rule ${decision.rule} (${decision.strategy})`));
    const rules = el('ul', null, 'rules-trace');
    (decision.rules || []).forEach(r => rules.appendChild(el('li', `rule ${r.index}: ${r.condition} — ${r.matched ? 'matched' : 'no'}`,
      r.matched ? 'matched' : '')));
    target.appendChild(rules);
    const table = el('table', null, 'candidates');
    const head = table.createTHead().insertRow();
    ['Position', 'Backend', 'Why', 'Estimated cost', 'Predicted first token p95'].forEach(h => head.appendChild(el('th', h)));
    const body = table.createTBody();
    for (const c of decision.candidates || []) {
      const tr = body.insertRow();
      cell(tr, c.excluded ? 'excluded' : c.position + 1, c.excluded ? 'bad' : '');
      cell(tr, c.backend);
      cell(tr, c.reason);
      cell(tr, money(c.estimated_cost, c.currency));
      cell(tr, ms(c.predicted_first_token_p95_ms));
    }
    target.appendChild(table);
  }
  if (d.attempts && d.attempts.length) {
    target.appendChild(el('h4', 'Attempts'));
    const list = el('ol', null, 'attempts');
    d.attempts.forEach(a => list.appendChild(el('li', `${a.backend}: ${a.outcome} (${a.ms} ms)`)));
    target.appendChild(list);
  }
}

async function decisions() {
  const data = await api('/admin/decisions?limit=100');
  const body = $('decisions-table').tBodies[0];
  body.replaceChildren();
  for (const d of data.decisions) {
    const tr = body.insertRow();
    tr.dataset.request = d.request_id;
    tr.className = 'clickable';
    cell(tr, d.time.substring(11, 23));
    cell(tr, d.tenant);
    cell(tr, d.route);
    cell(tr, d.rule);
    cell(tr, d.backend);
    cell(tr, d.cache);
    cell(tr, d.compliance);
    cell(tr, d.attempts);
    cell(tr, d.error ? `${d.status} ${d.error}` : d.status, d.status >= 400 ? 'bad' : '');
    cell(tr, ms(d.ms));
    cell(tr, money(d.cost, d.currency));
    tr.addEventListener('click', () => openDecision(d.request_id));
  }
}

async function openDecision(id) {
  const target = $('decision-detail');
  target.hidden = false;
  try {
    renderTrace(target, await api(`/admin/decisions/${encodeURIComponent(id)}`));
  } catch (e) {
    target.replaceChildren(el('p', e.message, 'bad'));
  }
}

// ---- Explain --------------------------------------------------------------------------------------------------

async function explain() {
  const headers = {};
  for (const line of $('explain-headers').value.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.substring(0, i).trim().toLowerCase()] = line.substring(i + 1).trim();
  }
  const target = $('explain-result');
  try {
    const d = await api('/admin/explain', { method: 'POST', body: $('explain-body').value, headers });
    renderTrace(target, d);
  } catch (e) {
    target.replaceChildren(el('p', e.message, 'bad'));
  }
}

// ---- Budgets --------------------------------------------------------------------------------------------------

function budgetBar(label, spent, reserved, limit, currency) {
  const row = el('div', null, 'budget');
  row.appendChild(el('span', label, 'budget-label'));
  const track = el('div', null, 'track');
  const used = el('div', null, 'used');
  const held = el('div', null, 'held');
  const share = v => `${Math.min(100, (v / limit) * 100).toFixed(1)}%`;
  used.style.width = share(spent);
  held.style.width = share(reserved);
  track.appendChild(used);
  track.appendChild(held);
  row.appendChild(track);
  row.appendChild(el('span', `${money(spent, currency)} spent, ${money(reserved, '')} reserved of ${limit} (${((spent / limit) * 100).toFixed(1)}%)`, 'budget-figures'));
  row.dataset.spent = String(spent);
  return row;
}

async function budgets() {
  const data = await api('/admin/budgets');
  const list = $('budgets-list');
  list.replaceChildren();
  if (!data.budgets.length) {
    list.appendChild(el('p', 'No budgets are configured.', 'hint'));
    return;
  }
  for (const b of data.budgets) {
    const box = el('div', null, 'tenant');
    box.dataset.tenant = b.tenant;
    box.appendChild(el('h3', `${b.tenant}${b.exhausted ? ' — exhausted' : ''}`, b.exhausted ? 'bad' : ''));
    if (b.daily_limit !== undefined) box.appendChild(budgetBar(`today (${b.day})`, b.spent_today, b.reserved_today, b.daily_limit, b.currency));
    if (b.weekly_limit !== undefined) box.appendChild(budgetBar(`this week (from ${b.week})`, b.spent_this_week, b.reserved_this_week, b.weekly_limit, b.currency));
    if (b.monthly_limit !== undefined) box.appendChild(budgetBar('this month', b.spent_this_month, b.reserved_this_month, b.monthly_limit, b.currency));
    box.appendChild(el('p', `When exhausted: ${b.when_exhausted === 'internal-only' ? 'only in-house backends answer' : 'requests are refused (429)'}.`, 'hint'));
    list.appendChild(box);
  }
}

// ---- Compliance -----------------------------------------------------------------------------------------------

async function compliance() {
  const history = await api('/admin/history');
  const minutes = history.compliance;
  const totals = { requests: 0, 'route-internal': 0, masked: 0, blocked: 0, 'egress refusals': 0 };
  const kinds = {};
  const actions = new Set();
  for (const m of minutes) {
    totals.requests += m.requests;
    totals['egress refusals'] += m.egress_refusals;
    for (const [a, n] of Object.entries(m.actions)) {
      actions.add(a);
      if (a in totals) totals[a] += n;
    }
    for (const [k, n] of Object.entries(m.kinds)) kinds[k] = (kinds[k] || 0) + n;
  }
  const cards = $('compliance-totals');
  cards.replaceChildren();
  for (const [k, v] of Object.entries(totals)) {
    const card = el('div', null, 'card');
    card.dataset.name = k;
    card.appendChild(el('span', v, 'value'));
    card.appendChild(el('span', k, 'label'));
    cards.appendChild(card);
  }
  const names = [...actions].sort();
  const chart = $('compliance-chart');
  chart.replaceChildren(el('h3', 'What the policy did, per minute'),
    columns(minutes.map(m => ({ label: m.minute.substring(11, 16), parts: m.actions })), names));
  const kindNames = Object.keys(kinds).sort();
  if (kindNames.length) {
    chart.appendChild(el('h3', 'Customer data found, by kind, per minute'));
    chart.appendChild(columns(minutes.map(m => ({ label: m.minute.substring(11, 16), parts: m.kinds })), kindNames));
  }
  const body = $('compliance-kinds').tBodies[0];
  body.replaceChildren();
  for (const [k, n] of Object.entries(kinds).sort()) {
    const tr = body.insertRow();
    cell(tr, k);
    cell(tr, n);
  }
}

// ---- What-if --------------------------------------------------------------------------------------------------

async function whatif() {
  const traffic = $('whatif-traffic').files[0];
  const proposed = $('whatif-config').files[0];
  const target = $('whatif-result');
  if (!traffic || !proposed) {
    target.replaceChildren(el('p', 'Choose a traffic file and a config first.', 'bad'));
    return;
  }
  target.replaceChildren(el('p', 'Replaying…', 'hint'));
  try {
    const report = await api('/admin/whatif', { method: 'POST', body: JSON.stringify({ traffic: await traffic.text(), config: await proposed.text() }) });
    const labels = Object.keys(report);
    const metrics = Object.keys(report[labels[0]]);
    const numeric = m => labels.map(l => parseFloat(report[l][m]));
    const charted = metrics.filter(m => /cost|SLO violations|p95 ms|exhausted at|requests$/.test(m));
    const rows = charted.map(m => ({ metric: m, values: numeric(m), text: labels.map(l => report[l][m]) }));
    target.replaceChildren(pairedBars(rows, labels));
    const all = el('details');
    all.appendChild(el('summary', 'Every figure'));
    const table = el('table', null, 'whatif-all');
    const head = table.createTHead().insertRow();
    ['metric', ...labels].forEach(h => head.appendChild(el('th', h)));
    const body = table.createTBody();
    metrics.forEach(m => { const tr = body.insertRow(); cell(tr, m); labels.forEach(l => cell(tr, report[l][m])); });
    all.appendChild(table);
    target.appendChild(all);
  } catch (e) {
    target.replaceChildren(el('p', e.message, 'bad'));
  }
}

// ---- Pages and polling ----------------------------------------------------------------------------------------

const pages = {
  backends: { load: backends, every: 1000 },
  routes: { load: routes, every: 0 },
  decisions: { load: decisions, every: 1000 },
  explain: { load: async () => {}, every: 0 },
  budgets: { load: budgets, every: 1000 },
  compliance: { load: compliance, every: 5000 },
  whatif: { load: async () => {}, every: 0 },
};

let timer = null;

async function refresh(name) {
  try {
    await pages[name].load();
    setStatus(true, `live · ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    setStatus(false, `error: ${e.message}`);
  }
}

function show() {
  const name = (location.hash || '#backends').substring(1);
  const page = pages[name] ? name : 'backends';
  document.querySelectorAll('.page').forEach(p => { p.hidden = p.id !== `page-${page}`; });
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.page === page));
  clearInterval(timer);
  refresh(page);
  if (pages[page].every > 0) timer = setInterval(() => refresh(page), pages[page].every);
}

$('explain-run').addEventListener('click', explain);
$('whatif-run').addEventListener('click', whatif);
window.addEventListener('hashchange', show);
show();
