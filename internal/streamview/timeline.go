package streamview

import (
	"fmt"
	"strings"
	"time"
)

// timeline is the "timeline" view: the share of each answer visible over
// time, with and without streaming.
type timeline struct {
	W, H, Left, Right, LabelX, PlotH int
	Y0, Y1, Y1Label, Y0Label         float64
	TickEnd, TickLabel               float64
	Ticks                            []timelineTick
	Band                             *timelineBand
	Series                           []timelineSeries
}

type timelineTick struct {
	X     float64
	Label string
}

type timelineBand struct{ X, W, TextX, TextY float64 }

type timelineSeries struct {
	Points, Color, Label string
	LY, TextY            int
}

// newTimeline lays out the timeline picture of c.
func newTimeline(c Comparison) *timeline {
	const (
		w, h         = 640, 170
		left, right  = 90, 20
		top, bottom  = 24, 36
		plotW, plotH = w - left - right, h - top - bottom
	)
	end := max(c.Waiting.Total, c.Streaming.Total, time.Second)
	x := func(d time.Duration) float64 { return left + float64(d)/float64(end)*plotW }
	y := func(share float64) float64 { return top + (1-share)*plotH }
	tl := &timeline{W: w, H: h, Left: left, Right: w - right, LabelX: left - 4, PlotH: plotH,
		Y0: y(0), Y1: y(1), Y1Label: y(1) + 4, Y0Label: y(0) + 4, TickEnd: y(0) + 4, TickLabel: y(0) + 16}
	step := tickStep(end)
	for d := time.Duration(0); d <= end; d += step {
		tl.Ticks = append(tl.Ticks, timelineTick{x(d), fmt.Sprintf("%g s", d.Seconds())})
	}
	if s := c.Streaming; s.Thinking > 0 && s.FirstText > s.Thinking {
		tl.Band = &timelineBand{x(s.Thinking), x(s.FirstText) - x(s.Thinking), x(s.Thinking) + 3, y(1) + 12}
	}
	series := func(side CompareSide, color, label string, ly int) timelineSeries {
		total := len(side.Text)
		if total == 0 {
			for _, m := range side.Marks {
				total = max(total, m.Bytes)
			}
		}
		pts := []string{fmt.Sprintf("%.1f,%.1f", x(0), y(0))}
		last := 0.0
		for _, m := range side.Marks {
			share := 1.0
			if total > 0 {
				share = float64(m.Bytes) / float64(total)
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(m.At), y(last), x(m.At), y(share)))
			last = share
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(end), y(last)))
		return timelineSeries{strings.Join(pts, " "), color, label, ly, ly + 4}
	}
	tl.Series = []timelineSeries{
		series(c.Waiting, "#d62728", "waiting", top+40),
		series(c.Streaming, "#1f77b4", "streaming", top+60),
	}
	return tl
}

// tickStep picks a tick interval giving at most about ten ticks.
func tickStep(end time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second / 4, time.Second / 2, time.Second, 2 * time.Second,
		5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute} {
		if end/s <= 10 {
			return s
		}
	}
	return 5 * time.Minute
}
