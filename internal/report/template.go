package report

import (
	"fmt"
	"html/template"
	"strings"
)

// tmpl is the page. It is parsed once; parsing a constant cannot fail at run time.
var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":   func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"f3":    func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"lower": strings.ToLower,
	"stage": func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", " ")) },
}).Parse(pageHTML))

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Trainyard model report</title>
<style>
:root{--fg:#111827;--mut:#6b7280;--line:#e5e7eb;--bg:#f9fafb;--acc:#2563eb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:28px 40px 20px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{margin:0 0 4px;font-size:26px}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
main{max-width:1180px;padding:0 40px 48px}
.sub{color:var(--mut);font-size:14px}
.summary{font-size:16px;max-width:900px;margin:14px 0 0}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{text-align:left;padding:5px 12px 5px 0;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--mut);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:8px 0}
dt{color:var(--mut)}dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:18px}
.charts svg,.imp svg{border:1px solid var(--line);border-radius:6px;background:#fff}
svg .ct{font:600 13px system-ui,sans-serif;text-anchor:middle;fill:#111827}
svg .tick{font:10px system-ui,sans-serif;fill:#6b7280}
svg .al{font:11px system-ui,sans-serif;fill:#374151}
svg .bl{font:12px system-ui,sans-serif;fill:#111827}
svg .cell{font:600 13px system-ui,sans-serif}
svg .grid{stroke:#f0f0f0}
svg .frame{fill:none;stroke:#9ca3af}
svg .diag{stroke:#9ca3af;stroke-dasharray:4 4}
.winner td{background:#eff6ff;font-weight:600}
.good{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}.muted{color:var(--mut)}
.warn{background:#fffbeb;border:1px solid #fcd34d;border-radius:6px;padding:8px 14px;margin:6px 0}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:28px}
.conf{font-variant-numeric:tabular-nums}
footer{color:var(--mut);font-size:12px;margin-top:40px}
code{font-size:13px}
@media print{header{background:none}}
</style></head><body>
<header>
<h1>{{.Title}}</h1>
<div class="sub">{{.Subtitle}}</div>
{{if .Summary}}<p class="summary">{{.Summary}}</p>{{end}}
</header>
<main>
<h2>The problem as understood</h2>
<dl>{{range .Problem}}<dt>{{.K}}</dt><dd>{{.V}}</dd>{{end}}</dl>
{{if .Criteria}}<table><tr><th>Success criterion</th><th>Result on held-out data</th></tr>
{{range .Criteria}}<tr><td>{{.Text}}</td><td class="{{.Class}}">{{.Status}}</td></tr>{{end}}</table>{{end}}

<h2>The data and what was done to it</h2>
<div class="cols"><div>
<dl>{{range .Rows}}<dt>{{.K}}</dt><dd>{{.V}}</dd>{{end}}</dl>
{{if .Preprocessing}}<p><strong>Preparation, step by step</strong></p><ol>{{range .Preprocessing}}<li>{{.}}</li>{{end}}</ol>{{end}}
</div><div>
{{if .Features}}<table><tr><th>Input</th><th>Type</th><th>Seen in training</th><th>Example</th></tr>
{{range .Features}}<tr><td><code>{{.Name}}</code></td><td>{{.Kind}}</td><td>{{.Detail}}</td><td>{{.Example}}</td></tr>{{end}}</table>{{end}}
</div></div>

<h2>Candidates tried</h2>
{{if .Candidates}}<p>{{.Why}}</p>
<table><tr><th>Learner</th><th>Parameters</th><th class="num">Validation score</th><th class="num">Fit time</th><th>Note</th></tr>
{{range .Candidates}}<tr{{if .Winner}} class="winner"{{end}}><td>{{.Learner}}{{if .Winner}} ★{{end}}</td><td><code>{{.Params}}</code></td><td class="num">{{.Score}}</td><td class="num">{{.Fit}}</td><td>{{.Note}}</td></tr>{{end}}</table>
{{else}}<p class="muted">No candidates were recorded.</p>{{end}}

<h2>Held-out metrics</h2>
<div class="cols"><div>
<table><tr><th>Metric</th><th class="num">Value</th></tr>
{{range .Metrics}}<tr><td>{{if eq .K $.Primary}}<strong>{{.K}}</strong> (optimized){{else}}{{.K}}{{end}}</td><td class="num">{{.V}}</td></tr>{{end}}</table>
</div><div>
{{if .PerClass}}<table><tr><th>Class</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th><th class="num">Rows</th></tr>
{{range .PerClass}}<tr><td>{{.Label}}</td><td class="num">{{f3 .Precision}}</td><td class="num">{{f3 .Recall}}</td><td class="num">{{f3 .F1}}</td><td class="num">{{.Support}}</td></tr>{{end}}</table>{{end}}
</div></div>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>

{{if .Importance}}<h2>Feature importance</h2>
<p class="muted">Measured by {{.ImportanceMethod}}; shares of the model's total.</p>
<div class="imp">{{.Importance}}</div>{{end}}

<h2>Warnings</h2>
{{range .Warnings}}<div class="warn">{{.}}</div>{{else}}<p class="muted">None.</p>{{end}}

<h2>Decision log</h2>
{{if .Decisions}}<table><tr><th>Stage</th><th>Decision</th><th>Why</th><th class="num">Confidence</th><th>By</th></tr>
{{range .Decisions}}<tr><td>{{stage .Stage}}</td><td>{{.Decision}}</td><td>{{.Reasoning}}</td><td class="num conf">{{pct .Confidence}}</td><td>{{.Reasoner}}</td></tr>{{end}}</table>
{{else}}<p class="muted">No decisions were recorded.</p>{{end}}
<footer>Made by Trainyard on {{.Generated}}. This page is self-contained: save it to keep it.</footer>
</main></body></html>
`
