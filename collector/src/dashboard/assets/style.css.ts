// The dashboard's only stylesheet, served from the collector itself (no CDN). Dark, high contrast,
// sized in rem so that a wall screen scales everything up with one media query.
export const STYLE_CSS = `
:root {
  color-scheme: dark;
  --bg: #0f1419; --panel: #171e26; --panel-2: #1e2731; --line: #2c3846; --text: #e6edf3; --muted: #9aa7b4;
  --accent: #58a6ff; --ok: #2ea043; --warn: #d29922; --bad: #f85149; --err: #bc8cff; --stale: #6e7681;
  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
}
html { font-size: 15px; }
@media (min-width: 1800px) { html { font-size: 19px; } }
@media (min-width: 2500px) { html { font-size: 24px; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.45; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.2rem;
  background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; font-size: 1.15rem; color: var(--text); }
header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; }
header.top nav a.current { color: var(--text); font-weight: 600; border-bottom: 2px solid var(--accent); }
header.top .meta { margin-left: auto; color: var(--muted); display: flex; gap: 1rem; align-items: center; }
main { padding: 1rem 1.2rem 2rem; max-width: 110rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; color: var(--muted); }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .8rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card .n { font-size: 2rem; font-weight: 700; line-height: 1.1; }
.card.ok .n { color: var(--ok); } .card.bad .n { color: var(--bad); } .card.warn .n { color: var(--warn); }
.card.err .n { color: var(--err); } .card.stale .n { color: var(--stale); }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line);
  border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel-2); color: var(--muted); font-weight: 600; font-size: .9rem; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.actions { white-space: nowrap; }
td.actions form { display: inline; }
.wrap { overflow-x: auto; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; word-break: break-all; }
.badge { display: inline-block; min-width: 6.5rem; text-align: center; padding: .1rem .5rem; border-radius: 999px;
  font-weight: 700; font-size: .85rem; letter-spacing: .02em; border: 1px solid transparent; }
.badge.RUNNING { background: rgba(46,160,67,.18); color: #56d364; border-color: var(--ok); }
.badge.NOT_FOUND { background: rgba(248,81,73,.18); color: #ff7b72; border-color: var(--bad); }
.badge.STOPPED { background: rgba(210,153,34,.18); color: #e3b341; border-color: var(--warn); }
.badge.ERROR { background: rgba(188,140,255,.18); color: var(--err); border-color: var(--err); }
.badge.NONE, .badge.offline { background: rgba(110,118,129,.2); color: var(--muted); border-color: var(--stale); }
.badge.online { background: rgba(46,160,67,.18); color: #56d364; border-color: var(--ok); }
.badge.OPEN { background: rgba(248,81,73,.18); color: #ff7b72; border-color: var(--bad); }
.badge.ACKNOWLEDGED { background: rgba(210,153,34,.18); color: #e3b341; border-color: var(--warn); }
.badge.RESOLVED { background: rgba(46,160,67,.18); color: #56d364; border-color: var(--ok); }
.badge.held { background: rgba(210,153,34,.12); color: #e3b341; border-color: var(--warn); min-width: 0; font-weight: 600; }
.badge.held a { color: inherit; text-decoration: underline; }
.stale-note { color: var(--warn); font-size: .85rem; margin-left: .3rem; }
.group { margin-bottom: 1.4rem; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; background: var(--panel);
  border: 1px solid var(--line); border-radius: 8px; padding: .7rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input, select, textarea, button { font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: .35rem .55rem; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
button, .button { background: var(--panel-2); border-color: var(--line); cursor: pointer; color: var(--text);
  display: inline-block; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--line); }
button.primary, .button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
button.danger { background: #8e1519; border-color: #da3633; color: #fff; }
button:hover, .button:hover { filter: brightness(1.15); text-decoration: none; }
form.stack { display: grid; gap: .9rem; max-width: 46rem; background: var(--panel); border: 1px solid var(--line);
  border-radius: 8px; padding: 1rem 1.2rem; }
form.stack .field { display: grid; gap: .25rem; }
form.stack .field > label { font-weight: 600; }
form.stack .hint { color: var(--muted); font-size: .85rem; }
form.stack .error { color: #ff7b72; font-size: .9rem; font-weight: 600; }
form.stack .field.invalid input, form.stack .field.invalid select, form.stack .field.invalid textarea { border-color: var(--bad); }
form.stack .row { display: flex; gap: .8rem; flex-wrap: wrap; align-items: flex-start; }
form.stack .row > .field { flex: 1 1 12rem; }
form.stack fieldset.group-fields { display: grid; gap: .6rem; margin: 0; padding: .6rem .8rem; border: 1px solid var(--line);
  border-radius: 6px; }
form.stack fieldset.group-fields legend { font-weight: 600; padding: 0 .3rem; }
form.stack select[multiple] { min-height: 8rem; }
.flash { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid var(--line); background: var(--panel); }
.flash.error { border-color: var(--bad); color: #ff7b72; }
.flash.ok { border-color: var(--ok); }
.secret { font-family: ui-monospace, "DejaVu Sans Mono", monospace; background: var(--bg); padding: .5rem; border-radius: 6px;
  border: 1px dashed var(--warn); display: block; margin: .4rem 0; word-break: break-all; user-select: all; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(34rem, 1fr)); gap: .8rem; }
figure.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .6rem; }
figure.chart figcaption { color: var(--muted); font-size: .9rem; margin-bottom: .3rem; }
figure.chart svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { fill: var(--muted); font-size: 13px; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
svg .marker { stroke: var(--warn); stroke-width: 1.5; stroke-dasharray: 4 3; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: var(--panel);
  border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
ul.relations { list-style: none; margin: 0; padding: 0; display: grid; gap: .2rem; }
pre.log { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; margin: .4rem 0;
  max-height: 40rem; overflow: auto; white-space: pre-wrap; word-break: break-all;
  font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
.login { max-width: 26rem; margin: 12vh auto; }
.inline-actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: .5rem 0 1rem; }
.inline-actions > * { margin-top: 0; margin-bottom: 0; }
button, .button { line-height: 1.45; vertical-align: middle; font-size: 1rem; }
body.unreachable header.top { background: #6e1b1b; }
body.unreachable #updated::after { content: ' · collector unreachable'; color: #ffb3ad; font-weight: 700; }
footer.bottom { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }
`;
