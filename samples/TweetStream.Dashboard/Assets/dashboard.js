// TweetStream dashboard. No framework, no inline script (the CSP forbids it).
//
// Post text, sources, rules and authors are attacker-controlled: they reach the page only through
// textContent / createTextNode, never through HTML parsing.
//
// Stable element ids (browser tests rely on them):
//   #from, #to          datetime-local inputs, in the viewer's time zone (queried as UTC)
//   #range-form, #apply the range form and its submit button
//   #timezone           the viewer's time zone name
//   #error              the last API error, empty when none
//   #chart              canvas with posts per hour;   #total  total posts in the range
//   #redactions         list of redactions by type (li > span.type + span.count)
//   #posts-body         table body, one tr per post (td.time, td.source, td.author, td.text, td.rules, td.pii)
//   #page-info, #prev-page, #next-page   paging
//   #tail, #tail-status live tail list (newest first) and its connection state
//   #logout             sign-out button
// Login page (server-rendered, no script): #password, #login-submit, #login-error, #oidc-login (empty when off).
'use strict';

(function () {
  const PAGE_SIZE = 50;
  const TAIL_MAX = 100;
  const SEEN_MAX = 5000;
  // seq drops answers to superseded requests, so a slow old range never overwrites a newer one.
  const state = { from: null, to: null, page: 1, total: 0, postsSeq: 0, statsSeq: 0 };
  const byId = (id) => document.getElementById(id);

  function pad(n) { return String(n).padStart(2, '0'); }

  // datetime-local wants local wall-clock time without a zone.
  function toLocalInput(date) {
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) +
      'T' + pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function fromLocalInput(value) {
    const date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
  }

  function setError(message) { byId('error').textContent = message || ''; }

  function clear(element) {
    while (element.firstChild) { element.removeChild(element.firstChild); }
  }

  function cell(row, className, text) {
    const td = document.createElement('td');
    td.className = className;
    td.appendChild(document.createTextNode(text));
    row.appendChild(td);
  }

  async function getJson(path, params) {
    const url = path + '?' + new URLSearchParams(params).toString();
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (response.status === 401) {
      window.location.assign('login');
      throw new Error('Signed out.');
    }
    if (!response.ok) {
      let detail = response.status + ' ' + response.statusText;
      try {
        const problem = await response.json();
        if (problem && typeof problem.detail === 'string') { detail = problem.detail; }
      } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    return response.json();
  }

  function renderPosts(data) {
    const body = byId('posts-body');
    clear(body);
    for (const post of data.items) {
      const row = document.createElement('tr');
      row.dataset.id = String(post.id);
      cell(row, 'time', formatTime(post.createdAt));
      cell(row, 'source', String(post.source));
      cell(row, 'author', String(post.author));
      cell(row, 'text', String(post.text));
      cell(row, 'rules', (post.matchedRules || []).join(', '));
      cell(row, 'pii', (post.piiTypes || []).join(', '));
      body.appendChild(row);
    }
    state.total = data.total;
    const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
    byId('page-info').textContent = 'Page ' + data.page + ' of ' + pages + ' (' + data.total + ' posts)';
    byId('prev-page').disabled = data.page <= 1;
    byId('next-page').disabled = data.page >= pages;
  }

  function renderRedactions(items) {
    const list = byId('redactions');
    clear(list);
    if (items.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'None in this range';
      list.appendChild(li);
      return;
    }
    for (const item of items) {
      const li = document.createElement('li');
      const type = document.createElement('span');
      type.className = 'type';
      type.textContent = String(item.type);
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = String(item.count);
      li.appendChild(type);
      li.appendChild(count);
      list.appendChild(li);
    }
  }

  function drawChart(hours) {
    const canvas = byId('chart');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 800;
    const height = canvas.clientHeight || 220;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    if (!ctx) { return; }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const left = 40, bottom = 24, top = 8, right = 8;
    const plotW = width - left - right, plotH = height - top - bottom;
    const max = Math.max(1, ...hours.map((h) => h.count));
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#667085';
    ctx.strokeStyle = '#d9dee7';
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, top + plotH);
    ctx.lineTo(left + plotW, top + plotH);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(String(max), left - 4, top + 10);
    ctx.fillText('0', left - 4, top + plotH);
    if (hours.length === 0) { return; }
    const barW = plotW / hours.length;
    ctx.fillStyle = '#1d6fd8';
    hours.forEach((h, i) => {
      const barH = (h.count / max) * plotH;
      ctx.fillRect(left + i * barW + (barW > 3 ? 1 : 0), top + plotH - barH, Math.max(1, barW - (barW > 3 ? 2 : 0)), barH);
    });
    ctx.fillStyle = '#667085';
    const labels = Math.min(6, hours.length);
    for (let k = 0; k < labels; k++) {
      const i = Math.floor(k * (hours.length - 1) / Math.max(1, labels - 1));
      const d = new Date(hours[i].hour);
      // The outer labels hug the plot's edges so they are never clipped.
      const edge = labels > 1 && k === 0 ? 'left' : labels > 1 && k === labels - 1 ? 'right' : 'center';
      ctx.textAlign = edge;
      const x = edge === 'left' ? left : edge === 'right' ? left + plotW : left + (i + 0.5) * barW;
      ctx.fillText(pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + 'h', x, height - 6);
    }
  }

  async function loadPosts() {
    const seq = ++state.postsSeq;
    const data = await getJson('api/posts', {
      from: state.from.toISOString(), to: state.to.toISOString(), page: state.page, pageSize: PAGE_SIZE,
    });
    if (seq === state.postsSeq) { renderPosts(data); }
  }

  async function loadStats() {
    const seq = ++state.statsSeq;
    const data = await getJson('api/stats', { from: state.from.toISOString(), to: state.to.toISOString() });
    if (seq !== state.statsSeq) { return; }
    byId('total').textContent = '(' + data.total + ' in range)';
    drawChart(data.postsPerHour);
    renderRedactions(data.redactionsByType);
  }

  async function refresh() {
    setError('');
    try {
      await Promise.all([loadPosts(), loadStats()]);
    } catch (e) {
      setError(e.message);
    }
  }

  function applyRange(event) {
    if (event) { event.preventDefault(); }
    const from = fromLocalInput(byId('from').value);
    const to = fromLocalInput(byId('to').value);
    if (!from || !to) { setError('Enter both dates.'); return; }
    if (from >= to) { setError('"From" must be before "To".'); return; }
    state.from = from;
    state.to = to;
    state.page = 1;
    refresh();
  }

  function startTail() {
    const list = byId('tail');
    const status = byId('tail-status');
    const seen = new Set();
    if (typeof EventSource === 'undefined') { status.textContent = 'not supported by this browser'; return; }
    const source = new EventSource('api/tail');
    source.addEventListener('open', () => { status.textContent = 'connected'; });
    source.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
    source.addEventListener('gap', (event) => {
      const gap = JSON.parse(event.data);
      const li = document.createElement('li');
      li.className = 'gap';
      li.textContent = gap.skipped + ' more posts arrived at once; refresh the table to see them all.';
      list.insertBefore(li, list.firstChild);
    });
    source.addEventListener('post', (event) => {
      const post = JSON.parse(event.data);
      // A reconnect resumes at the last timestamp sent, so a post may come twice: show it once.
      if (seen.has(post.id)) { return; }
      seen.add(post.id);
      if (seen.size > SEEN_MAX) { seen.delete(seen.values().next().value); }
      const li = document.createElement('li');
      li.dataset.id = String(post.id);
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = formatTime(post.createdAt) + ' · ' + post.source + ' · ' + post.author;
      li.appendChild(meta);
      li.appendChild(document.createTextNode(String(post.text)));
      list.insertBefore(li, list.firstChild);
      while (list.childElementCount > TAIL_MAX) { list.removeChild(list.lastElementChild); }
    });
  }

  function init() {
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3600 * 1000);
    byId('from').value = toLocalInput(from);
    byId('to').value = toLocalInput(new Date(to.getTime() + 60 * 1000));
    try {
      byId('timezone').textContent = 'Times in ' + Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) { /* older browsers */ }
    byId('range-form').addEventListener('submit', applyRange);
    byId('prev-page').addEventListener('click', () => { if (state.page > 1) { state.page--; loadPosts().catch((e) => setError(e.message)); } });
    byId('next-page').addEventListener('click', () => { state.page++; loadPosts().catch((e) => setError(e.message)); });
    applyRange();
    startTail();
  }

  document.addEventListener('DOMContentLoaded', init);
}());
