// TweetStream dashboard. No framework, no inline script (the CSP forbids it).
//
// Post text, sources, rules, hashtags and authors are attacker-controlled: they reach the page only through
// textContent / createTextNode, never through HTML parsing.
//
// The whole view state lives in the URL (from, to, tz, q, source, hashtag, pii), so a view can be bookmarked
// and shared; the page of posts is not part of it (a shared link opens on the newest posts).
//
// Stable element ids (browser tests rely on them):
//   #from, #to          datetime-local inputs, in the chosen time zone (#tz: "local" or "utc")
//   #q, #source, #hashtag, #pii   search text and filters;  #clear-filters resets them
//   #range-form, #apply the form and its submit button;  #export  CSV export link of the current view
//   #status             loading / result summary;  #error  the last error, empty when none
//   #chart              canvas with posts per hour (data-labels: how many hour labels it drew);  #chart-body  the same as table rows (th = hour, td = count)
//   #total              total posts in the range
//   #redactions, #sources, #hashtags   counts (li > button.filter > span.type + span.count), a click filters
//   #posts-body         table body, one tr per post (td.time, td.source, td.author, td.text, td.rules, td.pii)
//   #empty              shown when the range and filter hold no post
//   #page-info, #prev-page, #next-page   paging (keyset: a page never repeats or skips a post)
//   #tail, #tail-status live tail list (newest first) and its connection state
//   #logout             sign-out button
// Login page (server-rendered, no script): #password, #login-submit, #login-error, #oidc-login (empty when off).
'use strict';

(function () {
  const PAGE_SIZE = 50;
  const TAIL_MAX = 100;
  const SEEN_MAX = 5000;
  const FILTERS = ['q', 'source', 'hashtag', 'pii'];
  // seq drops answers to superseded requests, so a slow old range never overwrites a newer one.
  // cursors[i] is the "after" of page i + 1 (null for the first page); the range's "to" stays fixed while paging.
  const state = { from: null, to: null, tz: 'local', filter: {}, cursors: [null], next: null, postsSeq: 0, statsSeq: 0 };
  const byId = (id) => document.getElementById(id);

  function pad(n) { return String(n).padStart(2, '0'); }

  const utc = () => state.tz === 'utc';

  // Wall-clock parts of a date in the chosen zone.
  function parts(date) {
    return utc()
      ? { y: date.getUTCFullYear(), mo: date.getUTCMonth() + 1, d: date.getUTCDate(), h: date.getUTCHours(), mi: date.getUTCMinutes(), s: date.getUTCSeconds() }
      : { y: date.getFullYear(), mo: date.getMonth() + 1, d: date.getDate(), h: date.getHours(), mi: date.getMinutes(), s: date.getSeconds() };
  }

  // datetime-local wants wall-clock time without a zone.
  function toInput(date) {
    const p = parts(date);
    return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + 'T' + pad(p.h) + ':' + pad(p.mi);
  }

  function fromInput(value) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) { return null; }
    const date = new Date(utc() ? value + 'Z' : value);
    return isNaN(date.getTime()) ? null : date;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (isNaN(date.getTime())) { return String(iso); }
    const p = parts(date);
    return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + ' ' + pad(p.h) + ':' + pad(p.mi) + ':' + pad(p.s) + (utc() ? ' UTC' : '');
  }

  function zoneName() {
    if (utc()) { return 'UTC'; }
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'; } catch (e) { return 'local time'; }
  }

  function setError(message) { byId('error').textContent = message || ''; }
  function setStatus(message) { byId('status').textContent = message || ''; }

  function clear(element) {
    while (element.firstChild) { element.removeChild(element.firstChild); }
  }

  function cell(row, className, label, text) {
    const td = document.createElement('td');
    td.className = className;
    td.dataset.label = label;
    td.appendChild(document.createTextNode(text));
    row.appendChild(td);
  }

  function rangeParams() {
    const params = { from: state.from.toISOString(), to: state.to.toISOString() };
    for (const name of FILTERS) {
      if (state.filter[name]) { params[name] = state.filter[name]; }
    }
    return params;
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

  // After an error nothing of the previous range may stay on screen under the new dates.
  function clearResults() {
    clear(byId('posts-body'));
    clear(byId('chart-body'));
    clear(byId('redactions'));
    clear(byId('sources'));
    clear(byId('hashtags'));
    byId('total').textContent = '';
    byId('page-info').textContent = '';
    byId('empty').hidden = true;
    byId('prev-page').disabled = true;
    byId('next-page').disabled = true;
    state.lastHours = null;
    state.next = null;
    drawChart(null);
  }

  function renderPosts(data) {
    const body = byId('posts-body');
    clear(body);
    for (const post of data.items) {
      const row = document.createElement('tr');
      row.dataset.id = String(post.id);
      cell(row, 'time', 'Time', formatTime(post.createdAt));
      cell(row, 'source', 'Source', String(post.source));
      cell(row, 'author', 'Author (hashed)', String(post.author));
      cell(row, 'text', 'Text (redacted)', String(post.text));
      cell(row, 'rules', 'Rules', (post.matchedRules || []).join(', '));
      cell(row, 'pii', 'Redacted', (post.piiTypes || []).join(', '));
      body.appendChild(row);
    }
    const page = state.cursors.length;
    const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
    const first = (page - 1) * data.pageSize + 1;
    state.next = data.next || null;
    byId('empty').hidden = data.total > 0;
    byId('page-info').textContent = data.total === 0
      ? 'No posts'
      : 'Page ' + page + ' of ' + pages + ' (posts ' + first + '–' + (first + data.items.length - 1) + ' of ' + data.total + ')';
    byId('prev-page').disabled = page <= 1;
    byId('next-page').disabled = !state.next;
  }

  function renderCounts(listId, items, filterName, emptyText) {
    const list = byId(listId);
    clear(list);
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'none';
      li.textContent = emptyText;
      list.appendChild(li);
      return;
    }
    for (const item of items) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'filter';
      const name = String(item.type !== undefined ? item.type : item.name);
      // The accessible name is the visible text with words around it ("Filter by EMAIL 3 posts").
      const lead = document.createElement('span');
      lead.className = 'visually-hidden';
      lead.textContent = 'Filter by ';
      const tail = document.createElement('span');
      tail.className = 'visually-hidden';
      tail.textContent = ' posts';
      const type = document.createElement('span');
      type.className = 'type';
      type.textContent = (filterName === 'hashtag' ? '#' : '') + name;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = String(item.count);
      button.appendChild(lead);
      button.appendChild(type);
      button.appendChild(document.createTextNode(' '));
      button.appendChild(count);
      button.appendChild(tail);
      button.addEventListener('click', () => { byId(filterName).value = name; applyForm(); });
      li.appendChild(button);
      list.appendChild(li);
    }
  }

  function fillDatalist(id, values) {
    const list = byId(id);
    clear(list);
    for (const value of values) {
      const option = document.createElement('option');
      option.value = String(value);
      list.appendChild(option);
    }
  }

  function hourLabel(iso, withDate) {
    const p = parts(new Date(iso));
    return (withDate ? pad(p.d) + '/' + pad(p.mo) + ' ' : '') + pad(p.h) + ':' + pad(p.mi);
  }

  // A gridline step of 1, 2 or 5 times a power of ten, at most four steps to the top: the axis reads in round numbers.
  function axis(value) {
    if (value <= 4) { return { top: Math.max(1, value), step: 1 }; }
    const rough = value / 4;
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
    return { top: Math.ceil(value / step) * step, step: step };
  }

  // hours null: nothing to show (an error), not even the axes.
  function drawChart(hours) {
    const canvas = byId('chart');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 800;
    const height = canvas.clientHeight || 220;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    canvas.dataset.labels = '0';
    if (!ctx) { return; }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!hours) {
      canvas.setAttribute('aria-label', 'Posts per hour: nothing to show');
      return;
    }
    const left = 44, bottom = 24, top = 10, right = 8;
    const plotW = width - left - right, plotH = height - top - bottom;
    const { top: max, step: tick } = axis(Math.max(0, ...hours.map((h) => h.count)));
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // Gridlines with their counts, so a bar can be read without guessing.
    for (let value = 0; value <= max; value += tick) {
      const y = top + plotH - (value / max) * plotH;
      ctx.strokeStyle = value === 0 ? '#8a94a6' : '#e4e8ef';
      ctx.beginPath();
      ctx.moveTo(left, Math.round(y) + 0.5);
      ctx.lineTo(left + plotW, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.fillStyle = '#4b5565';
      ctx.textAlign = 'right';
      ctx.fillText(String(value), left - 6, y);
    }
    canvas.setAttribute('aria-label', hours.length === 0
      ? 'Posts per hour: no data'
      : 'Posts per hour, ' + hours.length + ' hours, at most ' + Math.max(...hours.map((h) => h.count)) + ' in one hour; the table below lists every hour');
    if (hours.length === 0) { return; }
    const barW = plotW / hours.length;
    ctx.fillStyle = '#1d6fd8';
    hours.forEach((h, i) => {
      const barH = (h.count / max) * plotH;
      ctx.fillRect(left + i * barW + (barW > 3 ? 1 : 0), top + plotH - barH, Math.max(1, barW - (barW > 3 ? 2 : 0)), barH);
    });
    // Thin the hour labels to what fits (about 72 px each), on a step of whole hours that reads well;
    // each label stays inside the canvas.
    ctx.fillStyle = '#4b5565';
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'center';
    const fits = Math.max(1, Math.floor(plotW / 72));
    const steps = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168];
    const step = steps.find((s) => Math.ceil(hours.length / s) <= fits) || Math.ceil(hours.length / fits);
    const multiDay = hours.length > 24;
    let drawn = 0, lastRight = -Infinity;
    for (let i = 0; i < hours.length; i += step) {
      const label = hourLabel(hours[i].hour, multiDay);
      const half = ctx.measureText(label).width / 2;
      const x = Math.min(Math.max(left + (i + 0.5) * barW, half + 2), width - half - 2);
      if (x - half < lastRight + 6) { continue; }
      ctx.fillText(label, x, height - 6);
      lastRight = x + half;
      drawn++;
    }
    canvas.dataset.labels = String(drawn);
  }

  function renderChartTable(hours) {
    const body = byId('chart-body');
    clear(body);
    for (const h of hours) {
      const row = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = hourLabel(h.hour, true);
      const td = document.createElement('td');
      td.textContent = String(h.count);
      row.appendChild(th);
      row.appendChild(td);
      body.appendChild(row);
    }
  }

  async function loadPosts() {
    const seq = ++state.postsSeq;
    const params = rangeParams();
    params.pageSize = PAGE_SIZE;
    const after = state.cursors[state.cursors.length - 1];
    if (after) { params.after = after; }
    byId('posts').setAttribute('aria-busy', 'true');
    try {
      const data = await getJson('api/posts', params);
      if (seq === state.postsSeq) { renderPosts(data); }
      return data;
    } finally {
      if (seq === state.postsSeq) { byId('posts').removeAttribute('aria-busy'); }
    }
  }

  async function loadStats() {
    const seq = ++state.statsSeq;
    const params = rangeParams();
    // Hours start on the viewer's clock, so half-hour zones (Asia/Kolkata) get bars on their own hours.
    params.tzOffset = utc() ? 0 : -state.to.getTimezoneOffset();
    const data = await getJson('api/stats', params);
    if (seq !== state.statsSeq) { return; }
    byId('total').textContent = '(' + data.total + ' in range, ' + zoneName() + ')';
    drawChart(data.postsPerHour);
    state.lastHours = data.postsPerHour;
    renderChartTable(data.postsPerHour);
    renderCounts('redactions', data.redactionsByType, 'pii', 'None in this range');
    renderCounts('sources', data.postsBySource || [], 'source', 'No posts');
    renderCounts('hashtags', data.topHashtags || [], 'hashtag', 'No hashtags');
    fillDatalist('pii-list', data.redactionsByType.map((t) => t.type));
    fillDatalist('source-list', (data.postsBySource || []).map((s) => s.name));
    fillDatalist('hashtag-list', (data.topHashtags || []).map((h) => h.name));
  }

  async function refresh() {
    setError('');
    setStatus('Loading…');
    state.cursors = [null];
    try {
      await Promise.all([loadPosts(), loadStats()]);
      setStatus('');
    } catch (e) {
      clearResults();
      setStatus('');
      setError(e.message);
    }
  }

  async function turnPage(forward) {
    if (forward && state.next) { state.cursors.push(state.next); } else if (!forward && state.cursors.length > 1) { state.cursors.pop(); } else { return; }
    setError('');
    setStatus('Loading…');
    try {
      await loadPosts();
      setStatus('');
    } catch (e) {
      clearResults();
      setStatus('');
      setError(e.message);
    }
    // A button that just became disabled has lost the keyboard focus: keep it near the posts.
    const focused = document.activeElement;
    if (!focused || focused === document.body || focused.disabled) { byId('posts-heading').focus(); }
  }

  function writeUrl(push) {
    const params = new URLSearchParams(rangeParams());
    if (utc()) { params.set('tz', 'utc'); }
    const url = window.location.pathname + '?' + params.toString();
    if (push) { window.history.pushState(null, '', url); } else { window.history.replaceState(null, '', url); }
    byId('export').href = 'api/export.csv?' + new URLSearchParams(rangeParams()).toString();
  }

  function readForm() {
    const from = fromInput(byId('from').value);
    const to = fromInput(byId('to').value);
    if (!from || !to) { return 'Enter both dates.'; }
    if (from >= to) { return '"From" must be before "To".'; }
    state.from = from;
    state.to = to;
    state.filter = {};
    for (const name of FILTERS) {
      const value = byId(name).value.trim();
      if (value) { state.filter[name] = name === 'hashtag' ? value.replace(/^#+/, '') : value; }
    }
    return null;
  }

  function applyForm(event) {
    if (event) { event.preventDefault(); }
    const problem = readForm();
    if (problem) {
      clearResults();
      setError(problem);
      return;
    }
    writeUrl(true);
    refresh();
  }

  // Loads the view from the URL: missing dates mean the last 24 hours (to a minute from now).
  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    state.tz = params.get('tz') === 'utc' ? 'utc' : 'local';
    byId('tz').value = state.tz;
    const now = new Date();
    const to = params.get('to') ? new Date(params.get('to')) : new Date(now.getTime() + 60 * 1000);
    const from = params.get('from') ? new Date(params.get('from')) : new Date(to.getTime() - 24 * 3600 * 1000 - 60 * 1000);
    byId('from').value = isNaN(from.getTime()) ? '' : toInput(from);
    byId('to').value = isNaN(to.getTime()) ? '' : toInput(to);
    for (const name of FILTERS) { byId(name).value = params.get(name) || ''; }
  }

  function showZone() {
    byId('tz-local').textContent = 'This browser\'s (' + (function () {
      try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local'; } catch (e) { return 'local'; }
    }()) + ')';
  }

  function changeZone() {
    // The inputs keep the same instants, shown on the other clock.
    const from = fromInput(byId('from').value);
    const to = fromInput(byId('to').value);
    state.tz = byId('tz').value === 'utc' ? 'utc' : 'local';
    if (from) { byId('from').value = toInput(from); }
    if (to) { byId('to').value = toInput(to); }
    applyForm();
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
    showZone();
    readUrl();
    byId('range-form').addEventListener('submit', applyForm);
    byId('tz').addEventListener('change', changeZone);
    byId('clear-filters').addEventListener('click', () => {
      for (const name of FILTERS) { byId(name).value = ''; }
      applyForm();
    });
    byId('prev-page').addEventListener('click', () => turnPage(false));
    byId('next-page').addEventListener('click', () => turnPage(true));
    window.addEventListener('popstate', () => {
      readUrl();
      const problem = readForm();
      if (problem) { clearResults(); setError(problem); return; }
      writeUrl(false);
      refresh();
    });
    let resize = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resize);
      resize = setTimeout(() => { if (state.lastHours) { drawChart(state.lastHours); } }, 150);
    });
    const problem = readForm();
    if (problem) { clearResults(); setError(problem); } else { writeUrl(false); refresh(); }
    startTail();
  }

  document.addEventListener('DOMContentLoaded', init);
}());
