package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Point is a point of a chart.
type Point struct{ X, Y float64 }

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 360, 300
	padL, padR     = 52, 16
	padT, padB     = 30, 44
)

// palette colours series and bars.
var palette = []string{"#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"}

// series is one line or point set of a chart.
type series struct {
	name   string
	points []Point
	dots   bool // draw points, not a line
	ref    bool // a reference line: thin, dashed, no points
}

// axes describes a chart's frame.
type axes struct {
	title, xLabel, yLabel  string
	xMin, xMax, yMin, yMax float64
	diagonal               bool // draw y = x, dashed
}

// lineChart draws series over axes as an SVG element.
func lineChart(ax axes, ss ...series) string {
	var b strings.Builder
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	sx := func(x float64) float64 { return padL + (x-ax.xMin)/(ax.xMax-ax.xMin)*pw }
	sy := func(y float64) float64 { return padT + ph - (y-ax.yMin)/(ax.yMax-ax.yMin)*ph }
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, html.EscapeString(ax.title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="ct">%s</text>`, chartW/2, html.EscapeString(ax.title))
	// Grid and ticks.
	for i := 0; i <= 4; i++ {
		fx := ax.xMin + float64(i)/4*(ax.xMax-ax.xMin)
		fy := ax.yMin + float64(i)/4*(ax.yMax-ax.yMin)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" class="grid"/>`, sx(fx), padT, sx(fx), padT+ph)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" class="grid"/>`, padL, sy(fy), padL+pw, sy(fy))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%s</text>`, sx(fx), padT+ph+14, tick(fx))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`, padL-4, sy(fy)+3, tick(fy))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" class="frame"/>`, padL, padT, pw, ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="al" text-anchor="middle">%s</text>`, padL+pw/2, chartH-8, html.EscapeString(ax.xLabel))
	fmt.Fprintf(&b, `<text x="14" y="%.1f" class="al" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`, padT+ph/2, padT+ph/2, html.EscapeString(ax.yLabel))
	if ax.diagonal {
		lo, hi := math.Max(ax.xMin, ax.yMin), math.Min(ax.xMax, ax.yMax)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="diag"/>`, sx(lo), sy(lo), sx(hi), sy(hi))
	}
	for i, s := range ss {
		c := palette[i%len(palette)]
		if s.dots {
			for _, p := range s.points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.2" fill="%s" fill-opacity="0.55"/>`, sx(p.X), sy(p.Y), c)
			}
			continue
		}
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(p.X), sy(p.Y)))
		}
		if s.ref {
			fmt.Fprintf(&b, `<polyline points="%s" class="diag"/>`, strings.Join(pts, " "))
			continue
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), c)
		if len(s.points) <= 20 {
			for _, p := range s.points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, sx(p.X), sy(p.Y), c)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// tick formats an axis value briefly.
func tick(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
}

// barChart draws horizontal bars, largest first as given, scaled to the largest value.
func barChart(title string, bars []Bar, format func(float64) string) string {
	const rowH, labelW, valueW = 22, 170, 56
	width := 560
	h := padT + len(bars)*rowH + 10
	maxV := 0.0
	for _, br := range bars {
		maxV = math.Max(maxV, math.Abs(br.Value))
	}
	if maxV == 0 {
		maxV = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, width, h, width, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="ct">%s</text>`, width/2, html.EscapeString(title))
	span := float64(width - labelW - valueW - 10)
	for i, br := range bars {
		y := padT + i*rowH
		w := math.Abs(br.Value) / maxV * span
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="bl" text-anchor="end">%s</text>`, labelW-6, y+15, html.EscapeString(truncate(br.Label, 26)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" rx="2"/>`, labelW, y+4, math.Max(w, 1), rowH-8, palette[0])
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="bl">%s</text>`, float64(labelW)+w+6, y+15, format(br.Value))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// heatmap draws a confusion matrix: rows are actual classes, columns predicted; cells are
// shaded by their share of the row.
func heatmap(title string, labels []string, counts [][]int64) string {
	k := len(labels)
	cell := 56
	if k > 6 {
		cell = max(26, 340/k)
	}
	left, top := 120, 64
	w, h := left+k*cell+20, top+k*cell+40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="ct">%s</text>`, w/2, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="38" class="al" text-anchor="middle">predicted</text>`, left+k*cell/2)
	fmt.Fprintf(&b, `<text x="14" y="%d" class="al" text-anchor="middle" transform="rotate(-90 14 %d)">actual</text>`, top+k*cell/2, top+k*cell/2)
	for j, l := range labels {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="middle">%s</text>`, left+j*cell+cell/2, top-8, html.EscapeString(truncate(l, cell/7)))
	}
	for i, row := range counts {
		if i >= k {
			break
		}
		var total int64
		for _, c := range row {
			total += c
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">%s</text>`, left-6, top+i*cell+cell/2+4, html.EscapeString(truncate(labels[i], 16)))
		for j, c := range row {
			if j >= k {
				break
			}
			share := 0.0
			if total > 0 {
				share = float64(c) / float64(total)
			}
			fill := fmt.Sprintf("rgba(37,99,235,%.3f)", 0.06+0.9*share)
			if i != j && c > 0 {
				fill = fmt.Sprintf("rgba(220,38,38,%.3f)", 0.06+0.9*share)
			}
			text := "#111"
			if share > 0.55 {
				text = "#fff"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff"/>`, left+j*cell, top+i*cell, cell, cell, fill)
			if cell >= 30 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="cell" fill="%s">%d</text>`, left+j*cell+cell/2, top+i*cell+cell/2+4, text, c)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if n < 2 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// bounds returns the range of the points' coordinates, padded, for scatter plots.
func bounds(pts []Point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo = math.Min(lo, math.Min(p.X, p.Y))
		hi = math.Max(hi, math.Max(p.X, p.Y))
	}
	if math.IsInf(lo, 0) || lo == hi {
		return 0, 1
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}
