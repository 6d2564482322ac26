package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// stageName returns a stage as people read it: "DATA_PROCESSING" becomes "data processing".
func stageName(s trainyardv1.PipelineStage) string {
	n := strings.TrimPrefix(s.String(), "PIPELINE_STAGE_")
	return strings.ToLower(strings.ReplaceAll(n, "_", " "))
}

// eventPrinter writes progress events as lines a person can follow; progress updates within
// a stage are thinned to one every two seconds.
type eventPrinter struct {
	w            io.Writer
	lastProgress time.Time
}

// print writes one event.
func (p *eventPrinter) print(ev *trainyardv1.ProgressEvent) {
	switch d := ev.GetDetail().(type) {
	case *trainyardv1.ProgressEvent_StageChange:
		msg := ""
		if m := d.StageChange.GetMessage(); m != "" {
			msg = " — " + oneLine(m, 120)
		}
		fmt.Fprintf(p.w, "▸ %s%s%s\n", stageName(d.StageChange.GetNewStage()), eta(ev), msg)
		p.lastProgress = time.Time{}
	case *trainyardv1.ProgressEvent_Decision:
		a := d.Decision
		fmt.Fprintf(p.w, "  decision: %s (confidence %.0f%%)", oneLine(a.GetDecision(), 140), 100*a.GetConfidence())
		if r := a.GetReasoning(); r != "" {
			fmt.Fprintf(p.w, " — %s", oneLine(r, 160))
		}
		fmt.Fprintln(p.w)
	case *trainyardv1.ProgressEvent_Log:
		l := d.Log
		if l.GetLevel() == trainyardv1.LogLevel_LOG_LEVEL_DEBUG {
			return
		}
		prefix := "  "
		if l.GetLevel() >= trainyardv1.LogLevel_LOG_LEVEL_WARNING {
			prefix = "  " + strings.ToLower(strings.TrimPrefix(l.GetLevel().String(), "LOG_LEVEL_")) + ": "
		}
		fmt.Fprintf(p.w, "%s%s\n", prefix, oneLine(l.GetMessage(), 200))
	case *trainyardv1.ProgressEvent_Progress:
		if time.Since(p.lastProgress) < 2*time.Second {
			return
		}
		p.lastProgress = time.Now()
		best := ""
		if b := d.Progress.GetBest(); b != nil && b.GetName() != "" {
			best = fmt.Sprintf(", best %s %.4g", b.GetName(), b.GetValue())
		}
		fmt.Fprintf(p.w, "  %3.0f%% %s%s%s\n", ev.GetStageProgress(), oneLine(d.Progress.GetMessage(), 100), best, eta(ev))
	}
}

// eta formats an event's time estimate, or nothing.
func eta(ev *trainyardv1.ProgressEvent) string {
	if ev.EstimatedTimeRemaining == nil {
		return ""
	}
	return fmt.Sprintf(" (about %s left)", (time.Duration(ev.GetEstimatedTimeRemaining()) * time.Second).Round(time.Second))
}

// oneLine folds s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// printModel writes a model's headline: id, learner, metrics.
func printModel(w io.Writer, m *trainyardv1.Model) {
	fmt.Fprintf(w, "Model %s (%s, %s", m.GetId(), m.GetArchitecture(), strings.ToLower(strings.TrimPrefix(m.GetProblemType().String(), "PROBLEM_TYPE_")))
	if t := m.GetTargetColumn(); t != "" {
		fmt.Fprintf(w, ", predicts %s", t)
	}
	fmt.Fprintf(w, ", %s)\n", strings.ToLower(strings.TrimPrefix(m.GetState().String(), "MODEL_STATE_")))
	mt := m.GetMetrics()
	if p := mt.GetPrimary(); p != nil && p.GetName() != "" {
		fmt.Fprintf(w, "  %s = %.4f on %d held-out rows", p.GetName(), p.GetValue(), mt.GetTestRows())
		if d := p.GetDescription(); d != "" {
			fmt.Fprintf(w, " (%s)", d)
		}
		fmt.Fprintln(w)
	}
	names := make([]string, 0, len(mt.GetValues()))
	for k := range mt.GetValues() {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %-18s %.4f\n", k, mt.GetValues()[k])
	}
}

// printProject writes a project's state in a few lines.
func printProject(w io.Writer, p *trainyardv1.Project) {
	fmt.Fprintf(w, "Project %s: %s\n", p.GetId(), p.GetDisplayName())
	fmt.Fprintf(w, "  stage     %s (%.0f%%)\n", stageName(p.GetCurrentStage()), p.GetStageProgress())
	if p.EstimatedTimeRemaining != nil {
		fmt.Fprintf(w, "  eta       %s\n", (time.Duration(p.GetEstimatedTimeRemaining()) * time.Second).Round(time.Second))
	}
	fmt.Fprintf(w, "  goal      %s\n", oneLine(p.GetProblemDescription(), 120))
	fmt.Fprintf(w, "  dataset   %s\n", p.GetDatasetId())
	if a := p.GetAnalysis(); a != nil && a.GetTargetColumn() != "" {
		fmt.Fprintf(w, "  target    %s (%s)\n", a.GetTargetColumn(), strings.ToLower(strings.TrimPrefix(a.GetProblemType().String(), "PROBLEM_TYPE_")))
	}
	if h := p.GetHeadlineMetric(); h != nil && h.GetName() != "" {
		fmt.Fprintf(w, "  metric    %s = %.4f\n", h.GetName(), h.GetValue())
	}
	if p.GetModelId() != "" {
		fmt.Fprintf(w, "  model     %s\n", p.GetModelId())
	}
	if e := p.GetError(); e != nil && e.GetMessage() != "" {
		fmt.Fprintf(w, "  error     %s\n", e.GetMessage())
		for _, s := range e.GetSuggestions() {
			fmt.Fprintf(w, "            - %s\n", s)
		}
	}
}

// printPlan writes a training plan for approval.
func printPlan(w io.Writer, p *trainyardv1.Project) {
	pl := p.GetPlan()
	fmt.Fprintf(w, "Plan for project %s:\n", p.GetId())
	fmt.Fprintf(w, "  target    %s (%s), metric %s\n", pl.GetTargetColumn(), strings.ToLower(strings.TrimPrefix(pl.GetProblemType().String(), "PROBLEM_TYPE_")), pl.GetMetric())
	fmt.Fprintf(w, "  learners  %s\n", strings.Join(pl.GetModelFamilies(), ", "))
	if b := pl.GetBudget(); b != nil {
		fmt.Fprintf(w, "  budget    %s\n", b.AsDuration())
	}
	for _, d := range pl.GetDroppedColumns() {
		fmt.Fprintf(w, "  drop      %s: %s\n", d.GetColumn(), d.GetReason())
	}
	if r := pl.GetReasoning(); r != "" {
		fmt.Fprintf(w, "  why       %s\n", oneLine(r, 200))
	}
}

// printLogs writes a project's log lines and, with decisions, its decisions with their
// reasoning, in time order, then where the project stands.
func printLogs(w io.Writer, pp *trainyardv1.PipelineProgress, decisions bool) {
	type line struct {
		t    time.Time
		text string
	}
	var lines []line
	for _, l := range pp.GetLogs() {
		lines = append(lines, line{l.GetTime().AsTime(), fmt.Sprintf("%-9s %-16s %s", strings.ToLower(strings.TrimPrefix(l.GetLevel().String(), "LOG_LEVEL_")), stageName(l.GetStage()), l.GetMessage())})
	}
	if decisions {
		for _, a := range pp.GetDecisions() {
			lines = append(lines, line{a.GetCreateTime().AsTime(), fmt.Sprintf("%-9s %-16s %s (confidence %.0f%%, %s) — %s", "decision", stageName(a.GetStage()), a.GetDecision(), 100*a.GetConfidence(), a.GetReasoner(), a.GetReasoning())})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	for _, l := range lines {
		fmt.Fprintf(w, "%s  %s\n", l.t.Local().Format("15:04:05.000"), l.text)
	}
	fmt.Fprintf(w, "Now %s (%.0f%%, %.0f%% overall)\n", stageName(pp.GetCurrentStage()), pp.GetStageProgress(), pp.GetOverallProgress())
}
