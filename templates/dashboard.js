// FlameIQ dashboard: the list of every metric and, on demand, one chart per metric.
// Data arrives as scripts (data/index.js, data/runs-E.js, data/sN.js) that call the
// functions below: <script src> works from a file URL, where Chromium refuses to fetch a local file.
// Every string from the data is put into the page as text (textContent, createTextNode,
// SVG <title>); links get an href only when they are http(s).
"use strict";
(function () {
  var SVGNS = "http://www.w3.org/2000/svg";
  var PAGE = 250; // rows drawn per "Show more"
  var ENVS = [], METRICS = [], RUNS = {}, CHUNKS = {}, PENDING = {};
  var shown = PAGE, openKey = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function sv(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null;
  }

  // ---- human units (as src/render/fmt.rs: times are stored in ms) ----------------------
  function sig(v, n) {
    if (!isFinite(v)) return String(v);
    if (v === 0) return "0";
    var mag = Math.floor(Math.log10(Math.abs(v)));
    var d = Math.min(12, Math.max(0, n - 1 - mag));
    var s = v.toFixed(d);
    if (s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s === "-0" ? "0" : s;
  }
  function pick(a, steps) {
    for (var i = steps.length - 1; i >= 0; i--) if (a >= steps[i][0] * 0.99995) return steps[i];
    return steps[0];
  }
  var TIME = { ns: 1, us: 1, "µs": 1, "μs": 1, ms: 1, s: 1, sec: 1 };
  var SI = [[1, ""], [1e3, "k"], [1e6, "M"], [1e9, "G"], [1e12, "T"], [1e15, "P"]];
  var BYTES = { B: 1, byte: 1, bytes: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };
  function human(v, unit) {
    if (v == null || !isFinite(v)) return "–";
    if (!unit) return sig(v, 4);
    var u = unit.trim(), a = Math.abs(v), p;
    if (TIME[u]) {
      if (a === 0) return "0 ms";
      p = pick(a, [[1e-6, "ns"], [1e-3, "µs"], [1, "ms"], [1e3, "s"]]);
      return sig(v / p[0], 4) + " " + p[1];
    }
    var slash = u.indexOf("/"), head = slash >= 0 ? u.slice(0, slash) : u, tail = slash >= 0 ? u.slice(slash) : "";
    if (BYTES[head]) {
      var b = v * BYTES[head];
      p = pick(Math.abs(b), SI);
      return sig(b / p[0], 4) + " " + p[1] + "B" + tail;
    }
    if (u === "%") return sig(v, 4) + "%";
    if (/\/s$/.test(u)) { p = pick(a, SI); return sig(v / p[0], 4) + p[1] + " " + u; }
    return sig(v, 4) + " " + u;
  }
  function pct(p) { return p == null ? "–" : (p > 0 ? "+" : p < 0 ? "−" : "±") + Math.abs(p).toFixed(2) + "%"; }
  function day(ts) { return typeof ts === "string" ? ts.slice(0, 10) : ""; }
  function prefix(key) { var i = key.lastIndexOf("."); return i > 0 ? key.slice(0, i) : "(top level)"; }
  function worse(dir, change) { return dir === "l" ? change > 0 : dir === "h" ? change < 0 : change !== 0; }

  // ---- loading data scripts --------------------------------------------------------------
  function load(src) {
    if (PENDING[src]) return PENDING[src];
    PENDING[src] = new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { ok(); };
      s.onerror = function () { fail(new Error("cannot load " + src)); };
      document.body.appendChild(s);
    });
    return PENDING[src];
  }
  window.flameiqRuns = function (env, runs) { RUNS[env] = runs; };
  window.flameiqChunk = function (n, metrics) { CHUNKS[n] = metrics; };
  window.flameiqIndex = function (data) {
    ENVS = data.envs;
    METRICS = data.metrics.map(function (m, i) {
      return { key: m[0], env: m[1], unit: m[2], dir: m[3], latest: m[4], change: m[5], trend: m[6],
        cp: m[7], flag: m[8], chunk: m[9], slot: m[10], points: m[11], order: i,
        hay: (ENVS[m[1]][0] + " " + m[0]).toLowerCase(), group: prefix(m[0]) };
    });
    init();
  };

  // ---- the list ------------------------------------------------------------------------------
  function matcher(q) {
    q = q.trim().toLowerCase();
    if (!q) return function () { return true; };
    var words = q.split(/\s+/).map(function (w) {
      if (/[*?]/.test(w)) {
        var re = new RegExp(w.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, "."));
        return function (h) { return re.test(h); };
      }
      return function (h) { return h.indexOf(w) >= 0; };
    });
    return function (m) { return words.every(function (f) { return f(m.hay); }); };
  }
  function filtered() {
    // One environment: the selector is removed.
    var f = matcher($("q").value), env = $("env") ? $("env").value : "", cpOnly = $("only-cp").checked;
    return METRICS.filter(function (m) {
      return (env === "" || String(m.env) === env) && (!cpOnly || m.cp) && f(m);
    });
  }
  function spark(trend) {
    var svg = sv("svg", { "class": "spark", viewBox: "0 0 80 20", "aria-hidden": "true", focusable: "false" });
    var n = trend.length, pts = [];
    var L = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
    for (var i = 0; i < n; i++) {
      var x = n > 1 ? 1 + i * 78 / (n - 1) : 40;
      var y = 18 - L.indexOf(trend[i]) * 16 / 63;
      pts.push(x.toFixed(1) + "," + y.toFixed(1));
    }
    sv("polyline", { points: pts.join(" ") }, svg);
    return svg;
  }
  function describeTrend(m) {
    return "last " + m.trend.length + " of " + m.points + " runs";
  }
  function row(m) {
    var tr = el("tr", "m" + (m.flag === 2 ? " row-reg" : ""));
    tr.dataset.key = m.key;
    tr.dataset.env = ENVS[m.env][0];
    var k = el("td", "k"), b = el("button", "open", m.key);
    b.type = "button";
    b.setAttribute("aria-expanded", "false");
    b.addEventListener("click", function () { toggle(m, tr, b, null); });
    k.appendChild(b);
    tr.appendChild(k);
    tr.appendChild(el("td", "env", ENVS.length > 1 ? ENVS[m.env][0] : ""));
    var t = el("td", "tr");
    var s = spark(m.trend);
    t.appendChild(s);
    t.appendChild(el("span", "sr", describeTrend(m)));
    tr.appendChild(t);
    tr.appendChild(el("td", "n", human(m.latest, m.unit)));
    var c = el("td", "n", pct(m.change));
    c.title = "latest run against the run before it";
    tr.appendChild(c);
    var cp = el("td", "cp");
    if (m.cp) {
      var bad = m.flag === 2;
      cp.appendChild(el("span", "tag " + (bad ? "reg" : "imp"), (bad ? "▲ " : "▼ ") + pct(m.cp[1])));
      var when = m.cp[0] === 0 ? " at the latest run" : " " + m.cp[0] + " run" + (m.cp[0] === 1 ? "" : "s") + " ago";
      cp.appendChild(document.createTextNode(when + (m.cp[2] ? " · " + String(m.cp[2]).slice(0, 10) : "") + " · " + day(m.cp[3])));
      if (bad) cp.appendChild(el("span", "sr", " (regression)"));
    }
    tr.appendChild(cp);
    return tr;
  }
  function render() {
    var list = filtered(), table = $("metrics");
    var old = table.querySelectorAll("tbody");
    for (var i = 0; i < old.length; i++) table.removeChild(old[i]);
    var groups = {}, order = [];
    var visible = list.slice(0, shown);
    visible.forEach(function (m) {
      var g = ENVS[m.env][0] + "\u0000" + m.group;
      if (!groups[g]) { groups[g] = []; order.push(g); }
      groups[g].push(m);
    });
    var counts = {};
    list.forEach(function (m) { var g = ENVS[m.env][0] + "\u0000" + m.group; counts[g] = (counts[g] || 0) + 1; });
    order.forEach(function (g) {
      var tb = el("tbody"), h = el("tr", "group"), th = el("th");
      th.colSpan = 6;
      th.scope = "rowgroup";
      var parts = g.split("\u0000");
      th.appendChild(document.createTextNode(parts[1]));
      th.appendChild(el("span", "mut", " · " + counts[g] + " metric" + (counts[g] === 1 ? "" : "s") + (ENVS.length > 1 ? " · " + parts[0] : "")));
      h.appendChild(th);
      tb.appendChild(h);
      groups[g].forEach(function (m) { tb.appendChild(row(m)); });
      table.appendChild(tb);
    });
    $("count").textContent = (list.length === METRICS.length ? "" : list.length + " of ") + METRICS.length + " metrics" + (visible.length < list.length ? ", " + visible.length + " shown" : "");
    var more = $("more");
    more.hidden = visible.length >= list.length;
    more.textContent = "Show " + Math.min(PAGE, list.length - visible.length) + " more";
  }

  // ---- state in the address (shareable, and how the browser tests open a chart) --------
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) { try { out[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* ignore */ } }
    });
    return out;
  }
  function writeHash(extra) {
    var h = [], q = $("q").value, env = $("env") ? $("env").value : "";
    if (q) h.push("q=" + encodeURIComponent(q));
    if (env) h.push("env=" + encodeURIComponent(env));
    for (var k in extra) if (extra[k] != null) h.push(k + "=" + encodeURIComponent(extra[k]));
    try { history.replaceState(null, "", h.length ? "#" + h.join("&") : location.pathname); } catch (e) { /* file URL quirks */ }
  }

  // ---- one chart ---------------------------------------------------------------------------
  function toggle(m, tr, button, initial) {
    initial = initial || {};
    var next = tr.nextSibling;
    if (next && next.classList && next.classList.contains("detail")) {
      next.parentNode.removeChild(next);
      button.setAttribute("aria-expanded", "false");
      openKey = null;
      writeHash({});
      return;
    }
    var d = el("tr", "detail"), td = el("td"), opened = performance.now();
    td.colSpan = 6;
    td.appendChild(el("p", "mut", "Loading " + m.points + " runs…"));
    d.appendChild(td);
    tr.parentNode.insertBefore(d, tr.nextSibling);
    button.setAttribute("aria-expanded", "true");
    openKey = m;
    writeHash({ m: ENVS[m.env][0] + ":" + m.key, log: initial.log, range: initial.range });
    Promise.all([load("data/runs-" + m.env + ".js"), load("data/s" + m.chunk + ".js")]).then(function () {
      td.textContent = "";
      chartPanel(td, m, CHUNKS[m.chunk][m.slot], RUNS[m.env], initial);
      d.dataset.chartMs = String(Math.round(performance.now() - opened));
      d.setAttribute("data-chart", "ready");
    }, function (e) {
      td.textContent = "";
      td.appendChild(el("p", "note", e.message + " (was the data/ folder published with index.html?)"));
    });
  }

  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  }
  function linTicks(lo, hi) {
    var st = niceStep(hi - lo || Math.abs(hi) || 1, 5), out = [];
    for (var v = Math.ceil(lo / st) * st; v <= hi + st * 1e-9; v += st) out.push(Math.abs(v) < st * 1e-9 ? 0 : v);
    return out;
  }
  function logTicks(lo, hi) {
    var out = [], a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    var mult = b - a <= 2 ? [1, 2, 5] : [1];
    for (var e = a; e <= b; e++) mult.forEach(function (k) { var v = k * Math.pow(10, e); if (v >= lo && v <= hi) out.push(v); });
    if (out.length >= 3) return out;
    // Less than a decade: five ticks evenly spaced in log space, at two significant digits.
    out = [];
    for (var k = 0; k < 5; k++) {
      var v = lo * Math.pow(hi / lo, (k + 0.5) / 5), p = Math.pow(10, Math.floor(Math.log10(v)) - 1);
      v = Math.round(v / p) * p;
      if (out.indexOf(v) < 0) out.push(v);
    }
    return out;
  }

  function chartPanel(td, m, s, runs, hash) {
    var env = s[0], key = s[1], values = s[3], n = values.length;
    var pos = typeof s[2] === "number" ? values.map(function (_, i) { return s[2] + i; }) : s[2];
    var samples = {};
    (s[4] || []).forEach(function (e) { samples[e[0]] = e[1]; });
    var cps = s[5], band = s[6];
    var positive = values.every(function (v) { return v > 0; }) && (!band || band[1] > 0);
    var state = { log: hash.log === "1" && positive, range: Number(hash.range) || 0, cur: -1 };

    var head = el("div", "chart-head");
    var h2 = el("h2", null, key);
    head.appendChild(h2);
    var logLab = el("label"), logBox = el("input");
    logBox.type = "checkbox";
    logBox.checked = state.log;
    logBox.disabled = !positive;
    logBox.className = "log";
    logLab.appendChild(logBox);
    logLab.appendChild(document.createTextNode(positive ? " Log scale" : " Log scale (needs positive values)"));
    head.appendChild(logLab);
    var rl = el("label", null, "Range "), sel = el("select");
    sel.className = "range";
    [[0, "all " + n + " runs"], [1000, "last 1000"], [500, "last 500"], [200, "last 200"], [100, "last 100"], [50, "last 50"], [20, "last 20"]]
      .filter(function (o) { return o[0] === 0 || o[0] < n; })
      .forEach(function (o) { var op = el("option", null, o[1]); op.value = String(o[0]); sel.appendChild(op); });
    sel.value = String(state.range);
    if (sel.selectedIndex < 0) { sel.value = "0"; state.range = 0; }
    rl.appendChild(sel);
    head.appendChild(rl);
    var tableBtn = el("button", null, "Show the data as a table");
    tableBtn.type = "button";
    head.appendChild(tableBtn);
    td.appendChild(head);

    var info = [];
    if (band) info.push("baseline " + human(band[0], m.unit) + ", " + band[3]);
    info.push(cps.length + " change point" + (cps.length === 1 ? "" : "s"));
    if (s[4]) info.push(s[4].length + " run" + (s[4].length === 1 ? "" : "s") + " with samples (spread: min–max line, box q1–q3)");
    info.push(m.dir === "l" ? "lower is better" : m.dir === "h" ? "higher is better" : "either direction can regress");
    td.appendChild(el("p", "keys", info.join(" · ")));
    var holder = el("div");
    td.appendChild(holder);
    var readout = el("p", "readout");
    readout.setAttribute("aria-live", "polite");
    td.appendChild(readout);
    var tableHolder = el("div");
    td.appendChild(tableHolder);

    function draw() {
      holder.textContent = "";
      var from = state.range > 0 ? Math.max(0, n - state.range) : 0;
      var idx = [];
      for (var i = from; i < n; i++) idx.push(i);
      // The viewBox follows the drawn width, so text keeps its size on a phone.
      var W = Math.max(320, Math.min(1400, Math.round(holder.clientWidth || 900))), H = W < 600 ? 240 : 320, L = W < 600 ? 58 : 78, R = 14, T = 26, B = 42;
      var lo = Infinity, hi = -Infinity;
      idx.forEach(function (i) {
        lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]);
        var sm = samples[i];
        if (sm) sm.forEach(function (x) { if (isFinite(x) && (!state.log || x > 0)) { lo = Math.min(lo, x); hi = Math.max(hi, x); } });
      });
      if (band) { lo = Math.min(lo, band[1]); hi = Math.max(hi, band[2]); }
      var f, ticks;
      if (state.log) {
        var a = Math.log10(lo), b = Math.log10(hi), pad = (b - a || 0.1) * 0.06;
        a -= pad; b += pad;
        f = function (v) { return T + (H - T - B) * (1 - (Math.log10(v) - a) / (b - a)); };
        ticks = logTicks(Math.pow(10, a), Math.pow(10, b));
      } else {
        var padl = (hi - lo || Math.abs(hi) * 0.1 || 1) * 0.08;
        var y0 = lo - padl, y1 = hi + padl;
        f = function (v) { return T + (H - T - B) * (1 - (v - y0) / (y1 - y0)); };
        ticks = linTicks(y0, y1);
      }
      var X = function (k) { return idx.length > 1 ? L + (W - L - R) * k / (idx.length - 1) : (L + W - R) / 2; };
      var svg = sv("svg", { "class": "chart", viewBox: "0 0 " + W + " " + H, role: "img", tabindex: "0",
        "data-scale": state.log ? "log" : "linear", "data-points": idx.length, "data-change-points": 0, "aria-labelledby": "" });
      var tid = "t" + Math.random().toString(36).slice(2), did = tid + "d";
      var title = sv("title", { id: tid }, svg);
      title.textContent = key + " in " + ENVS[env][0] + (state.log ? " (log scale)" : "");
      var desc = sv("desc", { id: did }, svg);
      var first = values[idx[0]], last = values[idx[idx.length - 1]];
      var cpText = cps.filter(function (c) { return c[0] >= from; }).map(function (c) {
        return pct(c[1]) + " at run " + (c[0] + 1) + " (" + (runs[pos[c[0]]][0] || "no commit") + ")";
      });
      desc.textContent = idx.length + " runs from " + day(runs[pos[idx[0]]][1]) + " to " + day(runs[pos[idx[idx.length - 1]]][1]) +
        ", from " + human(first, m.unit) + " to " + human(last, m.unit) + ", lowest " + human(Math.min.apply(null, idx.map(function (i) { return values[i]; })), m.unit) +
        ", highest " + human(Math.max.apply(null, idx.map(function (i) { return values[i]; })), m.unit) +
        (cpText.length ? "; change points: " + cpText.join(", ") : "; no change point") + ".";
      svg.setAttribute("aria-labelledby", tid + " " + did);
      var yAxis = sv("g", { "class": "y-axis", "data-scale": state.log ? "log" : "linear" }, svg);
      ticks.forEach(function (v) {
        var y = f(v);
        if (y < T - 1 || y > H - B + 1) return;
        sv("line", { "class": "grid", x1: L, x2: W - R, y1: y.toFixed(1), y2: y.toFixed(1) }, yAxis);
        var t = sv("text", { x: L - 6, y: (y + 4).toFixed(1), "text-anchor": "end" }, yAxis);
        t.textContent = human(v, m.unit);
      });
      var xs = sv("g", { "class": "x-axis" }, svg);
      var nt = Math.min(Math.max(2, Math.floor((W - L) / 170)), idx.length);
      for (var k = 0; k < nt; k++) {
        var j = nt > 1 ? Math.round(k * (idx.length - 1) / (nt - 1)) : 0;
        var tx = sv("text", { x: X(j).toFixed(1), y: H - B + 18, "text-anchor": k === 0 ? "start" : k === nt - 1 ? "end" : "middle" }, xs);
        tx.textContent = "#" + (idx[j] + 1) + " " + day(runs[pos[idx[j]]][1]);
      }
      if (band) {
        var yb = f(band[0]), yh = f(band[2]), yl = f(band[1]);
        sv("rect", { "class": "band", x: L, width: W - L - R, y: Math.max(T, yh).toFixed(1), height: Math.max(1, Math.min(H - B, yl) - Math.max(T, yh)).toFixed(1) }, svg);
        sv("line", { "class": "base", x1: L, x2: W - R, y1: yb.toFixed(1), y2: yb.toFixed(1) }, svg);
        var bt = sv("text", { x: W - R - 4, y: (Math.max(T, yh) - 4).toFixed(1), "text-anchor": "end" }, svg);
        bt.textContent = "baseline " + human(band[0], m.unit) + " · " + band[3];
      }
      idx.forEach(function (i, k) {
        var sm = samples[i];
        if (!sm || !sm.length) return;
        var xs2 = sm.filter(function (x) { return isFinite(x) && (!state.log || x > 0); }).sort(function (p, q) { return p - q; });
        if (!xs2.length) return;
        var q = function (p) { var r = (xs2.length - 1) * p, a = Math.floor(r), b = Math.ceil(r); return xs2[a] + (xs2[b] - xs2[a]) * (r - a); };
        var x = X(k);
        sv("line", { "class": "spread", x1: x.toFixed(1), x2: x.toFixed(1), y1: f(xs2[0]).toFixed(1), y2: f(xs2[xs2.length - 1]).toFixed(1) }, svg);
        var bw = Math.max(2, Math.min(10, (W - L - R) / idx.length * 0.6));
        sv("rect", { "class": "box", x: (x - bw / 2).toFixed(1), width: bw.toFixed(1), y: f(q(0.75)).toFixed(1), height: Math.max(0.5, f(q(0.25)) - f(q(0.75))).toFixed(1) }, svg);
      });
      var ncp = 0, lastLabel = -1e9;
      cps.forEach(function (c) {
        if (c[0] < from) return;
        ncp++;
        var x = X(c[0] - from), bad = worse(m.dir, c[1]), cls = bad ? "reg" : "imp";
        var g = sv("g", { "class": "cp " + cls }, svg);
        sv("line", { "class": "cpl " + cls, x1: x.toFixed(1), x2: x.toFixed(1), y1: T, y2: H - B }, g);
        // Labels of close change points would overprint: the later one keeps only its
        // line (its size is in its tooltip and the text alternative).
        if (x - lastLabel >= 70) {
          var t = sv("text", { "class": "cpt " + cls, x: x.toFixed(1), y: T - 8, "text-anchor": x > W - 80 ? "end" : "middle" }, g);
          t.textContent = (bad ? "▲ " : "▼ ") + pct(c[1]);
          lastLabel = x;
        }
        var tt = sv("title", {}, g);
        tt.textContent = "change point at run " + (c[0] + 1) + ": " + human(c[3], m.unit) + " → " + human(c[4], m.unit) + " (" + pct(c[1]) + ", p = " + Number(c[2]).toExponential(1) + ")";
      });
      svg.setAttribute("data-change-points", ncp);
      sv("polyline", { "class": "line", points: idx.map(function (i, k) { return X(k).toFixed(1) + "," + f(values[i]).toFixed(1); }).join(" ") }, svg);
      var r = idx.length > 300 ? 1.6 : idx.length > 100 ? 2.2 : 3.2;
      var dots = [];
      idx.forEach(function (i, k) {
        var run = runs[pos[i]], url = safeUrl(run[3]), parent = svg;
        if (url) { parent = sv("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, svg); }
        var c = sv("circle", { "class": "pt", cx: X(k).toFixed(1), cy: f(values[i]).toFixed(1), r: r }, parent);
        var t = sv("title", {}, c);
        t.textContent = pointText(i, run);
        c.addEventListener("mouseenter", function () { show(k); });
        dots.push(c);
      });
      function pointText(i, run) {
        var sm = samples[i];
        return "run #" + (i + 1) + " · " + human(values[i], m.unit) + " · commit " + (run[0] || "unknown") + (run[2] ? " (" + run[2] + ")" : "") + " · " + run[1] +
          (sm ? " · " + sm.length + " samples" : "");
      }
      function show(k) {
        if (state.cur >= 0 && dots[state.cur]) dots[state.cur].classList.remove("cur");
        state.cur = k;
        dots[k].classList.add("cur");
        var i = idx[k], run = runs[pos[i]], url = safeUrl(run[3]);
        readout.textContent = pointText(i, run) + " ";
        if (url) { var a = el("a", null, "open the commit"); a.href = url; a.rel = "noopener noreferrer"; readout.appendChild(a); }
      }
      svg.addEventListener("keydown", function (e) {
        var k = state.cur < 0 ? idx.length - 1 : state.cur;
        if (e.key === "ArrowLeft") k = Math.max(0, k - 1);
        else if (e.key === "ArrowRight") k = Math.min(idx.length - 1, k + 1);
        else if (e.key === "Home") k = 0;
        else if (e.key === "End") k = idx.length - 1;
        else if (e.key === "Enter" && state.cur >= 0) { var u = safeUrl(runs[pos[idx[state.cur]]][3]); if (u) window.open(u, "_blank", "noopener"); return; }
        else return;
        e.preventDefault();
        show(k);
      });
      holder.appendChild(svg);
      state.cur = -1;
      if (tableHolder.firstChild) dataTable();
    }
    function dataTable() {
      tableHolder.textContent = "";
      var from = state.range > 0 ? Math.max(0, n - state.range) : 0;
      var t = el("table", "data"), cap = el("caption", "sr", key + ": every run in the range");
      t.appendChild(cap);
      var hr = el("tr");
      ["Run", "Time", "Commit", "Value", "Samples"].forEach(function (h) { var th = el("th", null, h); th.scope = "col"; hr.appendChild(th); });
      t.appendChild(hr);
      for (var i = n - 1; i >= from; i--) {
        var run = runs[pos[i]], tr = el("tr"), url = safeUrl(run[3]);
        tr.appendChild(el("td", "n", "#" + (i + 1)));
        tr.appendChild(el("td", null, run[1]));
        var c = el("td", "mono");
        if (url) { var a = el("a", null, String(run[0]).slice(0, 12)); a.href = url; a.rel = "noopener noreferrer"; c.appendChild(a); } else c.textContent = run[0] ? String(run[0]).slice(0, 12) : "–";
        tr.appendChild(c);
        tr.appendChild(el("td", "n", human(values[i], m.unit)));
        tr.appendChild(el("td", "n", samples[i] ? String(samples[i].length) : ""));
        t.appendChild(tr);
      }
      tableHolder.appendChild(t);
    }
    logBox.addEventListener("change", function () { state.log = logBox.checked; sync(); draw(); });
    sel.addEventListener("change", function () { state.range = Number(sel.value); sync(); draw(); });
    tableBtn.addEventListener("click", function () {
      if (tableHolder.firstChild) { tableHolder.textContent = ""; tableBtn.textContent = "Show the data as a table"; }
      else { dataTable(); tableBtn.textContent = "Hide the table"; }
    });
    function sync() { writeHash({ m: ENVS[env][0] + ":" + key, log: state.log ? "1" : null, range: state.range || null }); }
    draw();
  }

  // Opens the chart a `#m=ENV:KEY` address names (on load, and when a link changes it).
  function openFromHash(hash) {
    if (!hash.m) return;
    var c = hash.m.indexOf(":"), envName = hash.m.slice(0, c), key = hash.m.slice(c + 1);
    var m = METRICS.filter(function (x) { return x.key === key && ENVS[x.env][0] === envName; })[0];
    if (!m) return;
    var k = filtered().indexOf(m);
    if (k < 0) { $("q").value = ""; $("only-cp").checked = false; k = filtered().indexOf(m); }
    if (k >= shown) shown = k + 1;
    render();
    var rows = $("metrics").querySelectorAll("tr.m");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.key === key && rows[i].dataset.env === envName) {
        toggle(m, rows[i], rows[i].querySelector("button.open"), hash);
        rows[i].scrollIntoView({ block: "nearest" });
        break;
      }
    }
  }

  // ---- start -----------------------------------------------------------------------------
  function init() {
    var runs = ENVS.reduce(function (a, e) { return a + e[1]; }, 0);
    $("summary").textContent = METRICS.length + " metrics · " + ENVS.length + " environment" + (ENVS.length === 1 ? "" : "s") + " (" +
      ENVS.map(function (e) { return e[0] + ": " + e[1] + " runs, " + day(e[2]) + " to " + day(e[3]); }).join("; ") + ") · " +
      METRICS.filter(function (m) { return m.flag === 2; }).length + " with a regression as latest change point";
    var envSel = $("env");
    ENVS.forEach(function (e, i) { var o = el("option", null, e[0]); o.value = String(i); envSel.appendChild(o); });
    if (ENVS.length < 2) envSel.parentNode.removeChild(envSel.previousElementSibling), envSel.parentNode.removeChild(envSel);
    var hash = readHash();
    if (hash.q) $("q").value = hash.q;
    if (hash.env && envSel.parentNode) envSel.value = hash.env;
    var pending = 0;
    var update = function () {
      if (pending) return;
      pending = requestAnimationFrame(function () { pending = 0; shown = PAGE; render(); writeHash({}); });
    };
    $("q").addEventListener("input", update);
    if (envSel.parentNode) envSel.addEventListener("change", update);
    $("only-cp").addEventListener("change", update);
    $("controls").addEventListener("submit", function (e) { e.preventDefault(); });
    $("more").addEventListener("click", function () { shown += PAGE; render(); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "/" && document.activeElement !== $("q") && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) { e.preventDefault(); $("q").focus(); }
    });
    render();
    openFromHash(hash);
    window.addEventListener("hashchange", function () { openFromHash(readHash()); });
    // When the list was drawn, for scripts/bench-dashboard.sh.
    document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
    document.documentElement.setAttribute("data-ready", "1");
  }
})();
