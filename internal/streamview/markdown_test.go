package streamview

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/sse"
)

func TestFindCut(t *testing.T) {
	cases := []struct {
		name, tail string
		max        int
		want       int
		open       bool // the code block is open at the cut
	}{
		{"one paragraph", "Feed twice a day.", 100, 0, false},
		{"paragraph not yet finished", "Feed twice.\n\n", 100, 0, false},
		{"two paragraphs", "Feed twice.\n\nPuppies", 100, 13, false},
		{"last boundary wins", "A.\n\nB.\n\nC", 100, 8, false},
		{"boundary after max is not used", "A.\n\nB.\n\nC", 6, 4, false},
		{"indented continuation is not a boundary", "1. Item\n\n   more of item", 100, 0, false},
		{"blank lines inside code", "```go\na\n\nb\n```\n\nAfter", 100, 16, false},
		{"code block still open", "```go\na\n\nb", 100, 0, false},
		{"long code block: forced cut at a line, inside the block", "```\n" + strings.Repeat("line\n", 10), 20, 19, true},
		{"long line: forced cut at a space", strings.Repeat("word ", 10), 12, 10, false},
		{"long word: forced cut", strings.Repeat("x", 30), 12, 12, false},
	}
	for _, c := range cases {
		cut, f := findCut([]byte(c.tail), fence{}, c.max)
		if cut != c.want || f.open() != c.open {
			t.Errorf("%s: findCut = %d (open %v), want %d (open %v)", c.name, cut, f.open(), c.want, c.open)
		}
	}
}

// A forced cut inside a code block closes it and reopens it in the next
// output, with its language.
func TestRenderReopensCodeBlock(t *testing.T) {
	text := "```python\n" + strings.Repeat("print('$')\n", 6)
	cut, f := findCut([]byte(text), fence{}, 40)
	if cut == 0 || !f.open() {
		t.Fatalf("cut %d, open %v", cut, f.open())
	}
	first := string(segmentMarkdown(nil, []byte(text[:cut]), fence{}, f))
	second := string(segmentMarkdown(nil, []byte(text[cut:]), f, fence{}))
	if !strings.HasPrefix(first, "```python\n") || !strings.HasSuffix(first, "\n```\n") {
		t.Errorf("first part %q", first)
	}
	if !strings.HasPrefix(second, "```python\nprint('$')") {
		t.Errorf("second part %q", second)
	}
}

// Streaming random Markdown in random pieces through the live view loses
// nothing, and no update re-renders more than a bounded amount.
func TestLiveViewRandomMarkdown(t *testing.T) {
	pieces := []string{"Feed ", "your ", "dog ", "$5 ", "`a$b` ", "**twice** ", "a day.", "\n\n", "\n", "- item\n",
		"1. step\n", "```go\n", "x := 1\n", "```\n", "\n\n## Heading\n\n", "<b>", "  indented\n", "$$", "`"}
	rng := rand.New(rand.NewPCG(1, 2))
	for run := 0; run < 200; run++ {
		var text strings.Builder
		n := rng.IntN(400)
		for i := 0; i < n; i++ {
			text.WriteString(pieces[rng.IntN(len(pieces))])
		}
		sink := &Recorder{}
		v := newLiveView(sink)
		v.maxBlock = 1 << 20 // no forced splits: the outputs concatenate to the text
		st := newStreamState(tNow)
		v.begin(st, tNow)
		s := text.String()
		for i, t0 := 0, tNow; i < len(s); {
			k := min(len(s)-i, 1+rng.IntN(12))
			t0 = t0.Add(timeStep(rng))
			st.apply(sse.Delta{Content: s[i : i+k]}, t0)
			i += k
			if d := v.deadline(); !d.IsZero() && !d.After(t0) {
				v.tick(st, t0)
			}
			v.update(st, t0)
		}
		st.stop(nil, tNow.Add(time60s))
		v.finish(st, tNow.Add(time60s))
		if got := sink.AnswerMarkdown(); got != s {
			t.Fatalf("run %d: displayed\n%q\nwant\n%q", run, got, s)
		}
	}
}
