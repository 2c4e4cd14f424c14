package offline

import (
	"github.com/k12notebooks/golessons/internal/wire"

	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBenchTokenFormat(t *testing.T) {
	sent := time.UnixMicro(1732400000123456)
	if got, want := BenchToken(17, sent), " ⟦17|1732400000123456⟧"; got != want {
		t.Errorf("BenchToken(17) = %q, want %q", got, want)
	}
	if got := BenchToken(BenchParagraph, sent); !strings.HasPrefix(got, "\n\n⟦") {
		t.Errorf("BenchToken(%d) = %q, want a new paragraph", BenchParagraph, got)
	}
	if got := BenchToken(0, sent); !strings.HasPrefix(got, " ⟦0|") {
		t.Errorf("BenchToken(0) = %q", got)
	}
	// The pattern means the same in JavaScript: no Go-only syntax.
	if regexp.MustCompile(BenchPattern).NumSubexp() != 2 || strings.ContainsAny(BenchPattern, "?P<>") {
		t.Errorf("BenchPattern %q is not a plain two-group pattern", BenchPattern)
	}
	m := ParseBenchMarkers("x" + BenchToken(3, sent) + "junk ⟦x|1⟧" + BenchToken(4, sent.Add(time.Millisecond)))
	if len(m) != 2 || m[0].Seq != 3 || !m[0].Sent.Equal(sent) || m[1].Seq != 4 || m[1].Sent.Sub(sent) != time.Millisecond {
		t.Errorf("ParseBenchMarkers = %+v", m)
	}
}

// benchStream streams a bench-mode answer and returns its content and the
// time just before the request.
func benchStream(t testing.TB, baseURL string) (string, time.Time) {
	t.Helper()
	client := newClient(baseURL, "")
	req := lessonRequest(true)
	start := time.Now()
	text, _, _ := streamAll(t, client, req)
	return text, start
}

func TestBenchMode(t *testing.T) {
	const n, rate = 200, 2000
	srv := startServer(t, Options{Bench: true, Tokens: n, TokensPerSecond: rate, ThinkTime: -1})
	text, start := benchStream(t, srv.URL())
	elapsed := time.Since(start)

	markers := ParseBenchMarkers(text)
	if len(markers) != n {
		t.Fatalf("%d markers, want %d", len(markers), n)
	}
	// The text is the markers and their separators, nothing else.
	var rebuilt strings.Builder
	for i, m := range markers {
		if m.Seq != i {
			t.Fatalf("marker %d has sequence number %d", i, m.Seq)
		}
		rebuilt.WriteString(BenchToken(m.Seq, m.Sent))
		// Token i is due 1/rate after token i-1 and never leaves early.
		due := start.Add(time.Duration(i) * time.Second / rate).Truncate(time.Microsecond)
		if m.Sent.Before(due) {
			t.Errorf("token %d sent %v before its due time", i, due.Sub(m.Sent))
		}
		if i > 0 && m.Sent.Before(markers[i-1].Sent) {
			t.Errorf("token %d sent before token %d", i, i-1)
		}
	}
	if rebuilt.String() != text {
		t.Errorf("bench text has more than markers: %q", text)
	}
	// Lower bound only: 200 tokens at 2000/s take at least 0.1 s.
	if elapsed < 99*time.Millisecond {
		t.Errorf("200 tokens at 2000/s arrived in %v, faster than the pace", elapsed)
	}
	t.Logf("200 tokens at 2000/s took %v", elapsed)
}

func TestBenchHeaders(t *testing.T) {
	ts := httptest.NewServer(NewHandler(Options{TokensPerSecond: -1, ThinkTime: -1}))
	defer ts.Close()
	resp := post(t, ts.URL+"/v1/chat/completions", lessonBody, map[string]string{
		HeaderBench: "1", HeaderTokens: "7", HeaderRate: "5000", HeaderThink: "0.02",
	})
	events := readEvents(t, resp.Body)
	var text strings.Builder
	for _, ev := range events {
		if ev.data == nil {
			continue
		}
		if strings.Contains(ev.raw, `"reasoning":`) || strings.Contains(ev.raw, `"reasoning_details"`) {
			t.Errorf("bench mode sent reasoning: %s", ev.raw)
		}
		choices := ev.data["choices"].([]any)
		if len(choices) == 0 {
			continue
		}
		text.WriteString(choices[0].(map[string]any)["delta"].(map[string]any)["content"].(string))
	}
	markers := ParseBenchMarkers(text.String())
	var seqs []int
	for _, m := range markers {
		seqs = append(seqs, m.Seq)
	}
	if !slices.Equal(seqs, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("sequence numbers %v, want 0..6 (text %q)", seqs, text.String())
	}
}

func TestBenchModeWithReasoning(t *testing.T) {
	ts := httptest.NewServer(NewHandler(Options{Bench: true, Tokens: 3, Reasoning: "Hmm, numbers.", TokensPerSecond: -1, ThinkTime: -1}))
	defer ts.Close()
	events := readEvents(t, post(t, ts.URL+"/chat/completions", lessonBody, nil).Body)
	var reasoning strings.Builder
	for _, ev := range events {
		if ev.data == nil || len(ev.data["choices"].([]any)) == 0 {
			continue
		}
		if r, ok := ev.data["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)["reasoning"].(string); ok {
			reasoning.WriteString(r)
		}
	}
	if reasoning.String() != "Hmm, numbers." {
		t.Errorf("reasoning %q, want the Reasoning option", reasoning.String())
	}
}

// BenchmarkPace streams bench-mode answers of 0.1 s at 50, 500 and 3000
// tokens/s and reports the rate reached and how late tokens leave their
// schedule, counted from the first token (p50, p99 and max, in microseconds).
func BenchmarkPace(b *testing.B) {
	for _, rate := range []int{50, 500, 3000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			n := max(rate/10, 10) // 0.1 s of tokens
			srv, err := Start(Options{Bench: true, Tokens: n, TokensPerSecond: float64(rate), ThinkTime: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			var lates []time.Duration
			var tokens int
			var spent time.Duration
			for b.Loop() {
				text, _ := benchStream(b, srv.URL())
				markers := ParseBenchMarkers(text)
				if len(markers) != n {
					b.Fatalf("%d tokens, want %d", len(markers), n)
				}
				first := markers[0].Sent
				for i, m := range markers {
					due := first.Add(time.Duration(i) * time.Second / time.Duration(rate))
					lates = append(lates, m.Sent.Sub(due))
				}
				tokens += n
				spent += markers[n-1].Sent.Sub(first)
			}
			slices.Sort(lates)
			pct := func(p float64) float64 {
				return float64(lates[int(p*float64(len(lates)-1))].Microseconds())
			}
			b.ReportMetric(float64(tokens-b.N)/spent.Seconds(), "tokens/s")
			b.ReportMetric(pct(0.5), "late-p50-µs")
			b.ReportMetric(pct(0.99), "late-p99-µs")
			b.ReportMetric(pct(1), "late-max-µs")
		})
	}
}

// BenchmarkEvent measures building one content event, the server's per-token
// work besides the write.
func BenchmarkEvent(b *testing.B) {
	g := newGeneration(Options{}.withDefaults(), &chatRequest{Model: LessonModel, Messages: []chatMessage{{Role: "user", Content: []byte(`"hi"`)}}})
	c := wire.Chunk{ID: g.id, Provider: Provider, Model: g.model, Object: "chat.completion.chunk", Created: g.created, Choices: []wire.ChunkChoice{{}}}
	c.Choices[0].Delta.Role = "assistant"
	b.ReportAllocs()
	for b.Loop() {
		c.Choices[0].Delta.Content = BenchToken(17, time.Now())
		g.event(&c)
	}
}
