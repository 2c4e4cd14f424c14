package streamview

import (
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/k12notebooks/golessons/internal/sse"
)

// Streaming an answer through the live view as a model would send it, and
// measuring each update as the notebook's sink renders it.

const (
	benchRate       = 500 // tokens a second
	benchTokenBytes = 4   // bytes of a token
)

// renderStats is what streaming one answer through the live view cost.
type renderStats struct {
	Bytes      int           // the answer's length
	Updates    int           // updates that rendered a piece of the answer
	Measured   int           // of them, rendered and measured
	WorstCPU   time.Duration // CPU of the costliest update
	TotalCPU   time.Duration // CPU of all updates (measured ones × Updates/Measured)
	MaxAlloc   uint64        // most bytes allocated by one update
	PeakHeap   uint64        // most heap in use after an update, plus MaxAlloc
	WorstHTML  float64       // largest HTML ÷ Markdown of one update
	HTMLBytes  int           // HTML of every update, all together
	FinalHTML  int           // HTML of the answer's outputs in their final form
	FellBack   int           // updates shown as plain text (renderNote)
	MaxMDBytes int           // largest piece of Markdown rendered by one update
}

// measureSink renders every every-th piece of the answer as the notebook's
// sink does (all final pieces), measuring the process's CPU and allocations.
type measureSink struct {
	every int
	n     int
	s     *renderStats
	final map[string]int // HTML bytes of each output's latest update
}

func (m *measureSink) Show(id string, kind Kind, content string) {
	if !kind.IsMarkdown() {
		return
	}
	m.s.Updates++
	m.n++
	if kind != KindMarkdownFinal && m.every > 1 && m.n%m.every != 0 {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc0, heap0 := ms.TotalAlloc, ms.HeapAlloc
	cpu0 := processCPU()
	o := output(id, kind, content)
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&ms)
	s := m.s
	s.Measured++
	s.TotalCPU += cpu
	s.WorstCPU = max(s.WorstCPU, cpu)
	s.MaxAlloc = max(s.MaxAlloc, ms.TotalAlloc-alloc0)
	s.PeakHeap = max(s.PeakHeap, heap0+ms.TotalAlloc-alloc0)
	s.MaxMDBytes = max(s.MaxMDBytes, len(content))
	s.WorstHTML = max(s.WorstHTML, float64(len(o.HTML))/float64(max(len(content), 256)))
	s.HTMLBytes += len(o.HTML)
	m.final[id] = len(o.HTML)
	if containsNote(o.HTML) {
		s.FellBack++
	}
}

func containsNote(html string) bool {
	return len(html) > 0 && strings.Contains(html, renderNote)
}

// streamRender streams text through a live view at benchRate tokens of
// benchTokenBytes a second on a fake clock, rendering every every-th update
// (and every final one), and returns what it cost.
func streamRender(tb testing.TB, text string, every int) renderStats {
	tb.Helper()
	clk := tNow
	f := func() time.Time { return clk }
	clock.Store(&f)
	defer clock.Store(nil)
	s := renderStats{Bytes: len(text)}
	sink := &measureSink{every: every, s: &s, final: map[string]int{}}
	v := newLiveView(sink)
	st := newStreamState(clk)
	v.begin(st, clk)
	step := time.Second / benchRate
	for i := 0; i < len(text); {
		j := min(len(text), i+benchTokenBytes)
		for j < len(text) && !utf8.RuneStart(text[j]) {
			j++
		}
		at := clk.Add(step)
		for d := v.deadline(); !d.IsZero() && !d.After(at); d = v.deadline() {
			clk = d
			v.tick(st, d)
		}
		clk = at
		st.apply(sse.Delta{Content: text[i:j]}, at)
		v.update(st, at)
		i = j
	}
	st.stop(nil, clk)
	v.finish(st, clk)
	for _, n := range sink.final {
		s.FinalHTML += n
	}
	if s.Measured > 0 {
		s.TotalCPU = s.TotalCPU * time.Duration(s.Updates) / time.Duration(s.Measured)
	}
	return s
}
