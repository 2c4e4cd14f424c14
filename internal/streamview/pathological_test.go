package streamview

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Every update of every catalogue entry, streamed through the live view,
// stays within bounds that are counted, not timed: the containers goldmark
// opens, the allocations of the update, its HTML, and the allocations of the
// whole answer against ordinary prose of the same size.
func TestPathologicalRenderIsBounded(t *testing.T) {
	for _, e := range pathoCatalogue() {
		if testing.Short() && len(e.Text) > 256<<10 {
			continue
		}
		got := streamChunks(t, e.Text)
		want := streamChunks(t, prose(len(e.Text)))
		if got.depth > maxNesting+maxIndent/2+2 {
			t.Errorf("%s: goldmark opened %d containers in one line's nesting", e.ID, got.depth)
		}
		if got.maxAlloc > 64*uint64(got.maxPiece)+(4<<20) {
			t.Errorf("%s: one update allocated %d bytes for %d bytes of Markdown", e.ID, got.maxAlloc, got.maxPiece)
		}
		// The target: an update's HTML at most 4 times its Markdown
		// ("<" is "&lt;"; ">" is sent as it is, see appendGT).
		if got.worstHTML > 4 {
			t.Errorf("%s: an update's HTML is %.1f times its Markdown", e.ID, got.worstHTML)
		}
		if got.alloc > 10*want.alloc+(16<<20) {
			t.Errorf("%s: the answer allocated %d bytes, prose of its size %d", e.ID, got.alloc, want.alloc)
		}
	}
}

// chunkStats is what streamChunks counted.
type chunkStats struct {
	depth     int     // most nested block containers (quotes, lists, items) goldmark built
	maxPiece  int     // largest Markdown of one update
	maxAlloc  uint64  // most bytes allocated by one update
	alloc     uint64  // bytes allocated by all updates
	worstHTML float64 // largest HTML ÷ Markdown (at least 256 bytes) of one update
}

// chunkBytes is the text that arrives between two updates in streamChunks.
const chunkBytes = 8 << 10

// streamChunks streams answer through a live view in chunks of chunkBytes,
// one update each, and counts the work of every update.
func streamChunks(t *testing.T, answer string) chunkStats {
	t.Helper()
	var c chunkStats
	sink := sinkFunc(func(id string, kind Kind, content string) {
		if !kind.IsMarkdown() {
			return
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		a0 := ms.TotalAlloc
		o := output(id, kind, content)
		runtime.ReadMemStats(&ms)
		c.maxAlloc = max(c.maxAlloc, ms.TotalAlloc-a0)
		c.alloc += ms.TotalAlloc - a0
		c.maxPiece = max(c.maxPiece, len(content))
		c.worstHTML = max(c.worstHTML, float64(len(o.HTML))/float64(max(len(content), 256)))
		src, _ := boundMarkdown(nil, normaliseNewlines([]byte(content)))
		c.depth = max(c.depth, containerDepth(markdown.Parser().Parse(text.NewReader(src)), 0))
	})
	v := newLiveView(sink)
	st := newStreamState(tNow)
	v.begin(st, tNow)
	at := tNow
	for i := 0; i < len(answer); i += chunkBytes {
		at = at.Add(time.Second)
		st.apply(sse.Delta{Content: answer[i:min(len(answer), i+chunkBytes)]}, at)
		v.update(st, at)
	}
	st.stop(nil, at)
	v.finish(st, at)
	return c
}

type sinkFunc func(id string, kind Kind, content string)

func (f sinkFunc) Show(id string, kind Kind, content string) { f(id, kind, content) }

// containerDepth returns the most block quotes and lists nested under n.
func containerDepth(n ast.Node, d int) int {
	switch n.Kind() {
	case ast.KindBlockquote, ast.KindList:
		d++
	}
	most := d
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Type() == ast.TypeBlock {
			most = max(most, containerDepth(c, d))
		}
	}
	return most
}

// Past the render budget a piece shows as plain text, escaped, with the note.
func TestRenderFallsBackPastBudget(t *testing.T) {
	defer func(d int, n func(int) int) { renderMaxDepth, renderMaxNodes = d, n }(renderMaxDepth, renderMaxNodes)
	renderMaxDepth = 6
	out := string(renderAnswer(nil, []byte("> > > > > > > > <b>deep</b>")))
	if !strings.Contains(out, renderNote) || !strings.Contains(out, "> > &lt;b>deep") {
		t.Errorf("too deep: %s", out)
	}
	renderMaxDepth = 300
	renderMaxNodes = func(n int) int { return 10 }
	out = string(renderAnswer(nil, []byte("*a* *b* *c* *d* *e* *f* *g*\n\n\n\n\nnext")))
	if !strings.Contains(out, renderNote) || !strings.Contains(out, "*a* *b*") || strings.Contains(out, "<br><br><br>") {
		t.Errorf("too many nodes: %s", out)
	}
	if bad := checkInert(out, false); len(bad) > 0 {
		t.Errorf("not inert: %v", bad)
	}
}

// A code block goldmark might not read as code, with more special
// characters than the pre-pass can leave alone, shows as plain text.
func TestBoundMarkdownFallsBackForCostlyCode(t *testing.T) {
	md := "<!--\n```\n-->\n" + strings.Repeat("[a](b", 3000)
	if _, plain := boundMarkdown(nil, []byte(md)); !plain {
		t.Errorf("a fence inside an HTML comment hid %d unclosed links", 3000)
	}
	// The pre-pass leaves a fence early (code less indented than its
	// fence), then takes goldmark's closing fence for an opening one: the
	// links after it are escaped, or counted as code and shown as plain text.
	for _, indent := range []string{"", "   "} {
		md = "   ```\ncode\n   ```\n" + indent + strings.Repeat("[a](b", 3000)
		out, plain := boundMarkdown(nil, []byte(md))
		if n := strings.Count(string(out), "\\["); !plain && n < 2000 {
			t.Errorf("a closing fence read as an opening one hid unclosed links (%d escaped)", n)
		}
	}
	// A fence in a block quote or a list item ends with its container.
	for _, open := range []string{"> ```\n", "- ```\n"} {
		out, _ := boundMarkdown(nil, []byte(open+strings.Repeat("[a](b", 3000)))
		if n := strings.Count(string(out), "\\["); n < 2000 {
			t.Errorf("%q: only %d brackets escaped after the container ended", open, n)
		}
	}
	code := "```c\n" + strings.Repeat("int *a[3] = {0};\n", 40) + "```\n"
	if out, plain := boundMarkdown(nil, []byte(code)); plain || string(out) != code {
		t.Errorf("ordinary code changed: plain %v\n%s", plain, out)
	}
}

// Ordinary answers, and the hostile catalogue, reach goldmark unchanged.
func TestBoundMarkdownKeepsOrdinaryAnswers(t *testing.T) {
	texts := []string{prose(64 << 10),
		"1. Install:\n   ```bash\n   pip install openai\n   ```\n2. Run `python app.py`.\n",
		"> **Note:** a quote\n> - with a list\n>   - nested\n\n***\n\n| a | **b** |\n|---|---|\n| `c` | [d](https://e.org) |\n",
		"- a\n  - b\n    - c\n      - d\n        - e\n          - f\n",
		"Fill in: ________ and ________.\n",
	}
	for _, e := range hostileCatalogue(t) {
		texts = append(texts, e.Text)
	}
	for _, s := range texts {
		md := normaliseNewlines([]byte(s))
		if out, plain := boundMarkdown(nil, md); plain || string(out) != string(md) {
			t.Errorf("changed (plain %v):\n%q\n%q", plain, md[:min(len(md), 300)], out[:min(len(out), 300)])
		}
	}
}

// Each catalogue entry has a source and at most 1 MiB.
func TestPathologicalCatalogue(t *testing.T) {
	ids := map[string]bool{}
	for _, e := range pathoCatalogue() {
		if e.Source == "" || ids[e.ID] || len(e.Text) == 0 || len(e.Text) > maxPathoBytes {
			t.Errorf("%s: bad entry (source %q, %d bytes)", e.ID, e.Source, len(e.Text))
		}
		ids[e.ID] = true
	}
}

// TestPathologicalReport prints, for every catalogue entry streamed at 500
// tokens a second, the cost of its updates against prose of the same size:
// the table of BENCHMARKS.md's "Rendering a model's Markdown". It runs when
// STREAMVIEW_RENDER_REPORT is set (STREAMVIEW_RENDER_EVERY=k renders and
// measures only every k-th live update, all final ones, to be quicker):
//
//	STREAMVIEW_RENDER_REPORT=1 go test ./internal/streamview -run TestPathologicalReport -v
func TestPathologicalReport(t *testing.T) {
	if os.Getenv("STREAMVIEW_RENDER_REPORT") == "" {
		t.Skip("set STREAMVIEW_RENDER_REPORT=1 to print the render table")
	}
	every, _ := strconv.Atoi(os.Getenv("STREAMVIEW_RENDER_EVERY"))
	every = max(every, 1)
	var b strings.Builder
	fmt.Fprintf(&b, "| Entry | Bytes | Worst update CPU | Total CPU (÷ prose) | Peak heap | Worst update HTML ÷ Markdown | Plain-text updates |\n|---|---:|---:|---:|---:|---:|---:|\n")
	worst, worstRatio := time.Duration(0), 0.0
	for _, e := range pathoCatalogue() {
		runtime.GC()
		got := streamRender(t, e.Text, every)
		runtime.GC()
		want := streamRender(t, prose(len(e.Text)), every)
		ratio := float64(got.TotalCPU) / float64(max(want.TotalCPU, time.Millisecond))
		worst, worstRatio = max(worst, got.WorstCPU), max(worstRatio, ratio)
		fmt.Fprintf(&b, "| %s | %d | %.1f ms | %.0f ms (%.1f×) | %.1f MiB | %.2f | %d of %d |\n", e.ID, got.Bytes,
			ms(got.WorstCPU), ms(got.TotalCPU), ratio, float64(got.PeakHeap)/(1<<20), got.WorstHTML, got.FellBack, got.Updates)
		fmt.Fprintf(&b, "| … prose, same size | %d | %.1f ms | %.0f ms | %.1f MiB | %.2f | %d of %d |\n", want.Bytes,
			ms(want.WorstCPU), ms(want.TotalCPU), float64(want.PeakHeap)/(1<<20), want.WorstHTML, want.FellBack, want.Updates)
	}
	fmt.Fprintf(&b, "\nworst update %.1f ms CPU; worst total ÷ prose %.1f×; every %d-th live update measured\n", ms(worst), worstRatio, every)
	t.Log("\n" + b.String())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkPathologicalStream streams each catalogue entry, and prose of its
// size, at 500 tokens a second through the live view (every update
// rendered), and reports the worst update's CPU, the total CPU, the peak
// heap and the worst update's HTML ÷ Markdown.
//
//	go test ./internal/streamview -run '^$' -bench PathologicalStream -benchtime 1x
func BenchmarkPathologicalStream(b *testing.B) {
	for _, e := range pathoCatalogue() {
		for _, c := range []struct{ name, text string }{{e.ID, e.Text}, {e.ID + "/prose", prose(len(e.Text))}} {
			b.Run(c.name, func(b *testing.B) {
				var s renderStats
				for b.Loop() {
					s = streamRender(b, c.text, 1)
				}
				b.ReportMetric(ms(s.WorstCPU), "worst-update-ms")
				b.ReportMetric(ms(s.TotalCPU), "total-cpu-ms")
				b.ReportMetric(float64(s.PeakHeap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(s.WorstHTML, "worst-html-ratio")
			})
		}
	}
}

// While a comparison runs, an update holds at most livePanelBytes of each
// answer, however long the answers are; the final panels hold them whole
// (escaped text, not Markdown).
func TestComparePanelsBoundedWhileLive(t *testing.T) {
	long := pathoCatalogue()[0].Text
	r := &race{start: tNow, explain: func(err error) string { return err.Error() }}
	r.wait.Text, r.waitEnd = long, true
	r.text = []byte(long)
	if n := len(r.html(tNow.Add(time.Second), false)); n > 4*2*livePanelBytes+4096 {
		t.Errorf("a live update of the comparison is %d bytes", n)
	}
	if n := len(r.html(tNow.Add(time.Second), true)); n < 2*len(long) {
		t.Errorf("the final comparison is %d bytes, want both answers whole", n)
	}
}
