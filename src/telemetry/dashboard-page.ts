/**
 * GET /dashboard: one self-contained page (inline CSS and script, system fonts, no CDN) so it works offline
 * and behind any firewall. The page itself holds no data; it asks for the admin key, keeps it in
 * sessionStorage for the tab, and polls /admin/dashboard.json every 1.5 s.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard dashboard</title>
<style>
:root { --bg:#0f1419; --panel:#182029; --line:#2a3541; --text:#e6edf3; --dim:#8b98a5; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --probe:#58a6ff; --drain:#a371f7; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; }
#status { color:var(--dim); font-size:13px; }
main { padding:16px 20px; display:grid; gap:16px; }
#providers { display:grid; grid-template-columns:repeat(auto-fit, minmax(380px, 1fr)); gap:16px; }
.card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.card h2 { margin:0 0 6px; font-size:17px; display:flex; align-items:center; gap:10px; }
.state { font-size:12px; font-weight:600; text-transform:uppercase; padding:2px 8px; border-radius:10px; color:#0f1419; }
.state.healthy { background:var(--ok); } .state.tripped { background:var(--bad); } .state.probing { background:var(--probe); } .state.drained { background:var(--drain); }
.meta { color:var(--dim); font-size:13px; margin-bottom:8px; }
.reason { color:var(--bad); font-weight:600; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:right; padding:3px 6px; border-bottom:1px solid var(--line); }
th:first-child, td:first-child { text-align:left; }
th { color:var(--dim); font-weight:500; font-size:12px; }
td.over { color:var(--bad); font-weight:700; }
td.judged { text-decoration:underline dotted var(--dim); }
.stats { display:flex; gap:18px; margin:10px 0 6px; flex-wrap:wrap; }
.stat b { display:block; font-size:16px; }
.stat span { color:var(--dim); font-size:12px; }
.keys span { display:inline-block; margin:4px 6px 0 0; padding:1px 8px; border-radius:10px; border:1px solid var(--line); font-size:12px; }
.keys .ok { color:var(--ok); } .keys .bad, .keys .exhausted { color:var(--bad); }
.bar { display:flex; height:18px; border-radius:4px; overflow:hidden; background:var(--line); }
.bar div { height:100%; }
.legend span { margin-right:14px; font-size:13px; }
#alerts li { padding:4px 0; border-bottom:1px solid var(--line); list-style:none; }
#alerts ul { margin:0; padding:0; max-height:260px; overflow:auto; }
#alerts time { color:var(--dim); margin-right:8px; font-variant-numeric:tabular-nums; }
form { display:flex; gap:8px; }
input { background:var(--bg); color:var(--text); border:1px solid var(--line); border-radius:4px; padding:6px 8px; width:320px; }
button { background:var(--probe); border:0; border-radius:4px; padding:6px 12px; color:#0f1419; font-weight:600; cursor:pointer; }
.hidden { display:none; }
</style>
</head>
<body>
<header><h1>Switchyard</h1><span id="status">not connected</span></header>
<main>
<form id="login" class="card hidden"><input id="key" type="password" placeholder="Admin key" autocomplete="off"><button>Open</button></form>
<section id="traffic" class="card hidden"><h2>Traffic share, last 15 minutes</h2><div class="bar" id="share"></div><p class="legend" id="legend"></p></section>
<section id="providers"></section>
<section id="alerts" class="card hidden"><h2>Recent transitions and alerts</h2><ul id="alert-list"></ul></section>
</main>
<script>
(function () {
  var COLORS = ['#58a6ff', '#3fb950', '#d29922', '#a371f7', '#f778ba', '#79c0ff'];
  var LABELS = { error_rate: 'Error rate', rate_limit_rate: '429 rate', server_error_rate: '5xx rate', retry_exhaustion_rate: 'Retry exhaustion', p99_latency: 'P99 latency' };
  var $ = function (id) { return document.getElementById(id); };
  var key = sessionStorage.getItem('switchyard-admin-key');
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function fmt(v, unit) {
    if (v === null || v === undefined) return '–';
    return unit === 'rate' ? (v * 100).toFixed(1) + ' %' : ms(v);
  }
  function ms(v) { return v === null || v === undefined ? '–' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms'; }
  function ago(at, now) { var s = Math.max(0, Math.round((now - at) / 1000)); return s < 120 ? s + ' s' : Math.round(s / 60) + ' min'; }
  function clock(at) { return new Date(at).toLocaleTimeString(); }
  function sentence(a) {
    var what = a.event.replace('_', ' ');
    var text = a.provider + ' ' + what;
    if (a.signal) text += ': ' + (LABELS[a.signal] || a.signal);
    if (a.value !== null && a.threshold !== null) {
      var unit = a.signal === 'p99_latency' ? 'ms' : 'rate';
      text += ' ' + fmt(a.value, unit) + ' > ' + fmt(a.threshold, unit) + (a.window ? ' (' + a.window + ' window)' : '');
    }
    return text;
  }
  function provider(p, now) {
    var rows = p.signals.map(function (s) {
      var cls = function (w) { return (s.over && w === s.window ? 'over ' : '') + (w === s.window ? 'judged' : ''); };
      return '<tr data-signal="' + s.signal + '"><td>' + esc(LABELS[s.signal] || s.signal) + '</td><td class="' + cls('short') + '">' + fmt(s.short, s.unit) +
        '</td><td class="' + cls('long') + '">' + fmt(s.long, s.unit) + '</td><td>' + (s.threshold === null ? 'off' : '&gt; ' + fmt(s.threshold, s.unit)) + ' <small>(' + s.window + ', ≥' + s.minSamples + ')</small></td></tr>';
    }).join('');
    var a = p.activity;
    return '<article class="card provider" data-provider="' + esc(p.provider) + '" data-state="' + p.state + '">' +
      '<h2>' + esc(p.provider) + ' <span class="state ' + p.state + '">' + p.state + '</span></h2>' +
      '<div class="meta">score <b>' + p.score.toFixed(2) + '</b> · ' + p.state + (p.since ? ' for ' + ago(p.since, now) : '') +
      (p.reason ? ' · reason <span class="reason">' + esc(p.reason) + '</span>' : '') + ' · ' + p.requests.short + ' / ' + p.requests.long + ' requests (short / long)</div>' +
      (rows ? '<table><tr><th>Signal</th><th>Short</th><th>Long</th><th>Threshold</th></tr>' + rows + '</table>' : '') +
      '<div class="stats"><div class="stat"><b>' + ms(a.latencyP50Ms) + '</b><span>latency P50</span></div><div class="stat"><b>' + ms(a.latencyP99Ms) + '</b><span>latency P99</span></div>' +
      '<div class="stat"><b>' + ms(a.firstByteP50Ms) + '</b><span>TTFT P50</span></div><div class="stat"><b>' + ms(a.firstByteP99Ms) + '</b><span>TTFT P99</span></div>' +
      '<div class="stat"><b>' + (a.share * 100).toFixed(0) + ' %</b><span>traffic (' + a.served + ')</span></div></div>' +
      '<div class="keys">' + p.keys.map(function (k) { return '<span class="' + k.state + '">' + esc(k.id) + ' ' + k.state + '</span>'; }).join('') + '</div></article>';
  }
  function render(d) {
    var now = d.at;
    $('providers').innerHTML = d.providers.map(function (p) { return provider(p, now); }).join('');
    var total = d.providers.reduce(function (n, p) { return n + p.activity.served; }, 0);
    $('share').innerHTML = d.providers.map(function (p, i) {
      return p.activity.served ? '<div title="' + esc(p.provider) + '" style="width:' + (100 * p.activity.served / total) + '%;background:' + COLORS[i % COLORS.length] + '"></div>' : '';
    }).join('');
    $('legend').innerHTML = d.providers.map(function (p, i) {
      return '<span style="color:' + COLORS[i % COLORS.length] + '">■</span><span>' + esc(p.provider) + ' ' + (p.activity.share * 100).toFixed(0) + ' %</span>';
    }).join('') + (d.failedRequests ? '<span>failed: ' + d.failedRequests + '</span>' : '');
    $('alert-list').innerHTML = d.alerts.length ? d.alerts.map(function (a) {
      return '<li data-event="' + a.event + '"><time>' + clock(a.at) + '</time>' + esc(sentence(a)) + '</li>';
    }).join('') : '<li>No alerts.</li>';
    $('status').textContent = 'live · store ' + d.store.store + (d.store.degraded ? ' (degraded: running on local state)' : '') + ' · updated ' + clock(now);
  }
  function poll() {
    if (!key) return;
    fetch('/admin/dashboard.json', { headers: { authorization: 'Bearer ' + key }, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem('switchyard-admin-key'); key = null; show(false); $('status').textContent = 'the admin key was refused'; return; }
      return r.json().then(render);
    }).catch(function () { $('status').textContent = 'gateway unreachable, retrying'; }).finally(function () { if (key) setTimeout(poll, 1500); });
  }
  function show(on) {
    $('login').classList.toggle('hidden', on);
    $('traffic').classList.toggle('hidden', !on);
    $('alerts').classList.toggle('hidden', !on);
  }
  $('login').addEventListener('submit', function (e) {
    e.preventDefault();
    key = $('key').value.trim();
    if (!key) return;
    sessionStorage.setItem('switchyard-admin-key', key);
    show(true);
    poll();
  });
  show(Boolean(key));
  poll();
})();
</script>
</body>
</html>
`;
