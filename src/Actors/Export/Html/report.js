// KSpan Actors HTML report. Reads the traces embedded as JSON and draws, lazily:
// - an index of every trace (only the rows in view exist), sortable by each column, filtered by the search box;
// - a trace's waterfall (rows as the terminal draws them, bars on the trace's time axis, the verdict on top) when it
//   is opened (#trace=<32-hex id>); a click on a row shows the span's details (message, count, attributes).
// Every piece of data goes into the page as text (textContent), never as markup.
(function () {
  'use strict';
  var report = window.kspanReport = { firstIndexRenderMs: null, lastOpenMs: null, openTraceId: null };
  var data = JSON.parse(document.getElementById('kspan-data').textContent);
  var traces = data.traces;
  var S = data.strings; // every text once; spans refer to them by index (-1: none)
  var byId = new Map();
  var spanTotal = 0;
  var withErrors = 0;
  traces.forEach(function (t, i) {
    t.i = i;
    byId.set(t.id, t);
    spanTotal += t.spans.length;
    if (t.errors > 0) withErrors++;
  });

  // ---- formatting (as the terminal's DurationText) ----
  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  function fmt(ns) {
    if (ns < 0) return '-' + fmt(-ns);
    if (ns === 0) return '0s';
    var ms = Math.floor((ns + 5e5) / 1e6);
    if (ms === 0) return '<1ms';
    if (ms < 1000) return ms + 'ms';
    var tenths = Math.floor((ns + 5e7) / 1e8);
    if (tenths < 600) return Math.floor(tenths / 10) + '.' + (tenths % 10) + 's';
    var s = Math.floor((ns + 5e8) / 1e9);
    if (s < 3600) return Math.floor(s / 60) + 'm' + pad2(s % 60) + 's';
    var m = Math.floor((ns + 3e10) / 6e10);
    if (m < 48 * 60) return Math.floor(m / 60) + 'h' + pad2(m % 60) + 'm';
    var h = Math.floor((ns + 1.8e12) / 3.6e12);
    return Math.floor(h / 24) + 'd' + pad2(h % 24) + 'h';
  }
  function offset(ns) { return ns < 0 ? fmt(ns) : '+' + fmt(ns); }
  function utc(ms, withMs) {
    var d = new Date(ms);
    if (isNaN(d.getTime())) return String(ms);
    var text = d.toISOString().replace('T', ' ');
    return withMs ? text.replace('Z', ' UTC') : text.slice(0, 19);
  }
  function attr(s, key) {
    for (var i = 0; i < s.a.length; i++) if (s.a[i][0] === key) return String(s.a[i][1]);
    return null;
  }
  function message(s) { return s.m || attr(s, 'k8s.event.message'); }
  function str(i) { return i >= 0 ? S[i] : null; }

  // A trace's spans as objects, made when it is first opened. Each is stored as
  // [id, parent, name, prefix, object, service, instance, cluster, start ms, length ms, flags, status message, [key, value...]].
  function spansOf(t) {
    if (t.dec) return t.dec;
    var out = t.spans.map(function (r) {
      var a = r[12], attrs = [];
      for (var k = 0; k + 1 < a.length; k += 2) attrs.push([S[a[k]], S[a[k + 1]]]);
      return {
        id: r[0], ref: r[1], n: S[r[2]], p: str(r[3]), obj: str(r[4]), svc: S[r[5]], inst: str(r[6]), cl: str(r[7]),
        s: Math.round(r[8] * 1e6), d: Math.round(r[9] * 1e6), e: (r[10] & 1) !== 0, o: (r[10] & 2) !== 0, m: str(r[11]), a: attrs,
      };
    });
    out.forEach(function (s) {
      if (typeof s.ref === 'string') s.par = s.ref; // a parent that is not in this trace
      else if (s.ref >= 0) { s.parent = out[s.ref]; s.par = s.parent.id; }
    });
    t.dec = out;
    return out;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // ---- page ----
  var app = document.getElementById('app');
  var top = el('header', 'top');
  top.appendChild(el('h1', null, 'KSpan Actors'));
  top.appendChild(el('span', 'stats',
    traces.length + (traces.length === 1 ? ' trace' : ' traces') + ' \u00b7 ' + spanTotal + (spanTotal === 1 ? ' span' : ' spans') +
    ' \u00b7 ' + withErrors + ' with errors \u00b7 ' + data.source + ' \u00b7 written ' + data.written));
  app.appendChild(top);
  if (data.rewriteSeconds) {
    app.appendChild(el('div', 'note', 'A live report: rewritten every ' + data.rewriteSeconds +
      ' s while the command runs, as traces complete. Reload to see new ones.'));
  }
  if (data.droppedTraces) {
    app.appendChild(el('div', 'note', 'The oldest ' + data.droppedTraces + ' traces (' + data.droppedSpans +
      ' spans) are no longer in this file: a live report keeps the latest ones only.'));
  }

  var index = el('section');
  index.id = 'index';
  var toolbar = el('div', 'toolbar');
  var search = el('input');
  search.id = 'search';
  search.type = 'search';
  search.placeholder = 'Search: names, namespaces, pods, reasons, messages, trace ids (all words must match)';
  search.setAttribute('aria-label', 'Search traces');
  var count = el('span', 'count');
  count.id = 'count';
  toolbar.appendChild(search);
  toolbar.appendChild(count);
  index.appendChild(toolbar);

  var columns = [
    { key: 'start', label: 'Start (UTC)', get: function (t) { return t.start; }, text: function (t) { return utc(t.start, false); } },
    { key: 'dur', label: 'Duration', num: true, get: function (t) { return t.dur; }, text: function (t) { return fmt(t.dur); } },
    { key: 'kind', label: 'Kind', get: function (t) { return t.kind; } },
    { key: 'cluster', label: 'Cluster', get: function (t) { return t.cluster; } },
    { key: 'ns', label: 'Namespace', get: function (t) { return t.ns; } },
    { key: 'name', label: 'Name', get: function (t) { return t.name; } },
    { key: 'spans', label: 'Spans', num: true, get: function (t) { return t.spans.length; } },
    { key: 'errors', label: 'Errors', num: true, get: function (t) { return t.errors; }, text: function (t) { return t.errors ? String(t.errors) : ''; } },
    { key: 'verdict', label: 'Verdict', get: function (t) { return t.verdict; } },
  ];
  var sort = { key: 'start', dir: 1 };
  var head = el('div', 'ihead grid');
  head.setAttribute('role', 'row');
  columns.forEach(function (c) {
    var b = el('button', c.num ? 'num' : null, c.label);
    b.type = 'button';
    b.dataset.sort = c.key;
    b.title = 'Sort by ' + c.label.toLowerCase();
    b.addEventListener('click', function () {
      if (sort.key === c.key) sort.dir = -sort.dir;
      else { sort.key = c.key; sort.dir = c.num ? -1 : 1; } // numbers: largest first
      applyView(false);
    });
    c.button = b;
    head.appendChild(b);
  });
  index.appendChild(head);
  var scroll = el('div', 'iscroll');
  scroll.id = 'traces';
  var spacer = el('div', 'ispacer');
  scroll.appendChild(spacer);
  index.appendChild(scroll);
  app.appendChild(index);

  var traceView = el('section');
  traceView.id = 'trace';
  traceView.hidden = true;
  app.appendChild(traceView);

  // ---- index: filtered, sorted, virtualised ----
  var ROW = 24;
  var view = traces.slice();
  var tokens = [];

  function hay(t) {
    if (t.h === undefined) {
      var parts = [t.id, t.root, t.svc, t.kind, t.what, t.cluster, t.ns, t.name, t.verdict];
      t.spans.forEach(function (r) {
        parts.push(r[0]);
        [2, 4, 5, 6, 7, 11].forEach(function (k) { if (r[k] >= 0) parts.push(S[r[k]]); });
        for (var k = 1; k < r[12].length; k += 2) parts.push(S[r[12][k]]);
      });
      t.h = parts.join('\n').toLowerCase();
    }
    return t.h;
  }
  function matches(text) {
    for (var i = 0; i < tokens.length; i++) if (text.indexOf(tokens[i]) < 0) return false;
    return true;
  }
  function compare(a, b) {
    var col = columns.find(function (c) { return c.key === sort.key; });
    var x = col.get(a), y = col.get(b);
    var c = x < y ? -1 : x > y ? 1 : 0;
    return c !== 0 ? c * sort.dir : a.i - b.i;
  }
  function applyView(resetScroll) {
    view = tokens.length === 0 ? traces.slice() : traces.filter(function (t) { return matches(hay(t)); });
    view.sort(compare);
    columns.forEach(function (c) {
      if (c.key === sort.key) c.button.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
      else c.button.removeAttribute('aria-sort');
    });
    count.textContent = (tokens.length ? view.length + ' of ' : '') + traces.length + (traces.length === 1 ? ' trace' : ' traces');
    if (resetScroll) scroll.scrollTop = 0;
    renderIndex();
  }
  function indexRow(t, k) {
    var r = el('div', 'irow grid' + (t.errors ? ' err' : ''));
    r.style.top = (k * ROW) + 'px';
    r.style.height = ROW + 'px';
    r.dataset.trace = t.id;
    r.setAttribute('role', 'link');
    r.title = t.verdict;
    columns.forEach(function (c) {
      var text = c.text ? c.text(t) : String(c.get(t));
      r.appendChild(el('span', (c.num ? 'num ' : '') + (c.key === 'errors' ? 'errs' : c.key), text));
    });
    return r;
  }
  function renderIndex() {
    if (index.hidden) return;
    var room = window.innerHeight - scroll.getBoundingClientRect().top;
    scroll.style.height = Math.max(200, room) + 'px';
    spacer.style.height = (view.length * ROW) + 'px';
    var first = Math.max(0, Math.floor(scroll.scrollTop / ROW) - 10);
    var last = Math.min(view.length, Math.ceil((scroll.scrollTop + scroll.clientHeight) / ROW) + 10);
    var frag = document.createDocumentFragment();
    for (var k = first; k < last; k++) frag.appendChild(indexRow(view[k], k));
    if (view.length === 0) {
      frag.appendChild(el('div', 'empty', traces.length === 0 ? 'No traces (yet).' : 'No trace matches \u201c' + search.value + '\u201d.'));
    }
    spacer.textContent = '';
    spacer.appendChild(frag);
  }
  var scheduled = false;
  scroll.addEventListener('scroll', function () {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; renderIndex(); });
  });
  window.addEventListener('resize', renderIndex);
  spacer.addEventListener('click', function (e) {
    var r = e.target.closest('.irow');
    if (r) location.hash = 'trace=' + r.dataset.trace;
  });
  var typing = 0;
  search.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () {
      tokens = search.value.toLowerCase().split(/\s+/).filter(function (x) { return x.length > 0; });
      applyView(true);
    }, 80);
  });
  search.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && view.length > 0) location.hash = 'trace=' + view[0].id;
  });

  // ---- one trace: built when opened ----
  function openTrace(t) {
    var started = performance.now();
    traceView.textContent = '';
    var back = el('a', 'back', '\u2190 all traces');
    back.href = '#';
    traceView.appendChild(back);
    var h2 = el('h2', null, t.root);
    h2.appendChild(el('span', 'svc', t.svc));
    traceView.appendChild(h2);
    var meta = el('div', 'meta');
    meta.appendChild(document.createTextNode('trace '));
    meta.appendChild(el('code', 'trace-id', t.id));
    meta.appendChild(document.createTextNode(' \u00b7 cluster ' + t.cluster + (t.ns ? ' \u00b7 namespace ' + t.ns : '') +
      ' \u00b7 started ' + utc(t.start, true) + ' \u00b7 ' + fmt(t.dur) + ' \u00b7 ' + t.spans.length +
      (t.spans.length === 1 ? ' span' : ' spans') + (t.errors ? ' \u00b7 ' + t.errors + (t.errors === 1 ? ' error' : ' errors') : '')));
    traceView.appendChild(meta);
    var verdict = el('div', 'verdict-line' + (t.errors ? ' err' : ''), t.verdict);
    verdict.id = 'verdict';
    traceView.appendChild(verdict);

    var wf = el('div', 'wf');
    wf.id = 'waterfall';
    var axis = el('div', 'wrow axis');
    axis.appendChild(el('span', null, 'Span'));
    axis.appendChild(el('span', null, 'Object'));
    axis.appendChild(el('span', null, 'Service'));
    var ticks = el('span', 'tl');
    for (var q = 0; q < 4; q++) {
      var tick = el('span', 'tick', fmt(Math.round(t.dur * q / 4)));
      tick.style.left = (q * 25) + '%';
      ticks.appendChild(tick);
    }
    axis.appendChild(ticks);
    wf.appendChild(axis);
    var frag = document.createDocumentFragment();
    spansOf(t).forEach(function (s) { frag.appendChild(spanRow(t, s)); });
    wf.appendChild(frag);
    wf.addEventListener('click', function (e) {
      var r = e.target.closest('.wrow');
      if (r && !r.classList.contains('axis')) toggleDetail(t, r);
    });
    traceView.appendChild(wf);

    index.hidden = true;
    traceView.hidden = false;
    window.scrollTo(0, 0);
    void traceView.offsetHeight; // layout included in the measured time
    report.lastOpenMs = performance.now() - started;
    report.openTraceId = t.id;
    document.documentElement.dataset.openMs = report.lastOpenMs.toFixed(1);
  }

  function spanRow(t, s) {
    var r = el('div', 'wrow' + (s.e ? ' err' : ''));
    r.dataset.span = s.id;
    var name = el('span', 'name');
    if (s.p) name.appendChild(el('span', 'tree', s.p));
    if (s.o) name.appendChild(el('span', 'orphan', '\u22ef '));
    name.appendChild(el('span', 'sname', s.n));
    if (s.e) name.appendChild(el('span', 'mark', ' \u2717'));
    r.appendChild(name);
    r.appendChild(el('span', 'obj', s.obj || ''));
    r.appendChild(el('span', 'svc', s.svc));
    var tl = el('span', 'tl');
    var left = t.dur > 0 ? Math.min(100, Math.max(0, s.s * 100 / t.dur)) : 0;
    var width = t.dur > 0 ? Math.min(100 - left, s.d * 100 / t.dur) : 0;
    var bar = el('span', 'bar');
    bar.style.left = left + '%';
    bar.style.width = width + '%';
    tl.appendChild(bar);
    var lbl = el('span', 'lbl', offset(s.s) + ' ' + fmt(s.d));
    lbl.style.left = 'calc(' + (left + width) + '% + 2px)';
    tl.appendChild(lbl);
    r.appendChild(tl);
    var msg = message(s);
    r.title = s.n + (s.obj ? '  ' + s.obj : '') + (msg ? '\n' + msg : '') + '\n(click for details)';
    if (tokens.length > 0) {
      var text = [s.id, s.n, s.obj || '', s.svc, s.m || ''].concat(s.a.map(function (a) { return String(a[1]); })).join('\n').toLowerCase();
      for (var i = 0; i < tokens.length; i++) if (text.indexOf(tokens[i]) >= 0) { r.classList.add('hit'); break; }
    }
    return r;
  }

  function toggleDetail(t, r) {
    var next = r.nextElementSibling;
    if (next && next.classList.contains('detail')) {
      next.remove();
      r.classList.remove('open');
      return;
    }
    var s = spansOf(t).find(function (x) { return x.id === r.dataset.span; });
    if (!s) return;
    r.classList.add('open');
    var d = el('div', 'detail');
    d.dataset.span = s.id;
    var msg = message(s);
    if (msg) d.appendChild(el('div', 'msg' + (s.e ? ' err' : ''), msg));
    var table = el('table');
    function add(key, value) {
      if (value === null || value === undefined || value === '') return;
      var tr = el('tr');
      tr.appendChild(el('td', null, key));
      tr.appendChild(el('td', null, String(value)));
      table.appendChild(tr);
    }
    var parent = s.parent;
    add('span', s.n);
    add('object', s.obj);
    add('count', attr(s, 'k8s.event.count'));
    add('status', s.e ? 'ERROR' : 'unset');
    add('service.name', s.svc);
    add('service.instance.id', s.inst);
    add('k8s.cluster.name', s.cl || t.cluster);
    add('start', utc(t.start + s.s / 1e6, true));
    add('offset', offset(s.s));
    add('duration', fmt(s.d));
    add('span id', s.id);
    add('parent', s.par ? (parent ? parent.n + ' ' + s.par : s.par + ' (not in this trace)') : 'none (root)');
    s.a.forEach(function (a) { add(a[0], a[1]); });
    d.appendChild(table);
    r.after(d);
  }

  // ---- routing: #trace=<id> opens a trace (&span=<id>: with that span's details); anything else shows the index ----
  var savedScroll = 0;
  function route() {
    var m = /^#trace=([0-9a-f]{32})(?:&span=([0-9a-f]{16}))?$/.exec(location.hash);
    var t = m ? byId.get(m[1]) : null;
    if (t) {
      if (!index.hidden) savedScroll = scroll.scrollTop;
      openTrace(t);
      var row = m[2] ? traceView.querySelector('.wrow[data-span="' + m[2] + '"]') : null;
      if (row) {
        toggleDetail(t, row);
        row.scrollIntoView({ block: 'nearest' });
      }
      return;
    }
    traceView.hidden = true;
    traceView.textContent = '';
    report.openTraceId = null;
    index.hidden = false;
    scroll.scrollTop = savedScroll;
    renderIndex();
  }
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !traceView.hidden) location.hash = '';
  });

  // What the search looks through, prepared while the page is idle, so the first search does not wait for it.
  var warmed = 0;
  function warmUp(deadline) {
    while (warmed < traces.length && deadline.timeRemaining() > 1) hay(traces[warmed++]);
    if (warmed < traces.length) window.requestIdleCallback(warmUp);
  }

  applyView(false);
  if (window.requestIdleCallback) window.requestIdleCallback(warmUp);
  report.firstIndexRenderMs = performance.now(); // since navigation started: reading, parsing, the first rows
  document.documentElement.dataset.indexMs = report.firstIndexRenderMs.toFixed(1);
  route();
  document.documentElement.dataset.ready = '1';
})();
