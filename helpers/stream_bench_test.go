package helpers

// Micro-benchmarks of the streaming hot path (issue 5): parsing a chunk,
// appending a token, building an update. Run with
//
//	go test ./helpers -run '^$' -bench . -benchmem

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

var benchChunk = []byte(strings.TrimSuffix(strings.TrimPrefix(orContent1, "data: "), "\n\n"))

// BenchmarkParseChunk parses one OpenRouter content chunk.
func BenchmarkParseChunk(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchChunk)))
	for b.Loop() {
		if _, err := parseChunk(benchChunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseReasoningChunk parses a chunk with reasoning and
// reasoning_details.
func BenchmarkParseReasoningChunk(b *testing.B) {
	raw := []byte(strings.TrimSuffix(strings.TrimPrefix(orReasoning, "data: "), "\n\n"))
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := parseChunk(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendToken adds one token to a stream's state.
func BenchmarkAppendToken(b *testing.B) {
	st := newStreamState(tNow)
	d := chunkDelta{content: " word"}
	b.ReportAllocs()
	for b.Loop() {
		st.apply(d, tNow)
		if len(st.text) > 1<<20 {
			st.text = st.text[:0]
		}
	}
}

// discardSink builds each update's MIME bundle as the notebook's sink does
// (rendering and sanitizing the Markdown), then drops it, counting its
// bytes.
type discardSink struct{ bytes int }

func (d *discardSink) show(_ string, kind mimeKind, content string) {
	for _, v := range displayData(kind, content) {
		d.bytes += len(v.(string))
	}
}

// benchUpdate measures one live update of an answer whose live block holds
// about tail bytes of Markdown.
func benchUpdate(b *testing.B, tail int) {
	sink := &discardSink{}
	v := newLiveView(sink)
	v.maxBlock = 1 << 30 // keep the block live: measure re-rendering it
	st := newStreamState(tNow)
	v.begin(st, tNow)
	para := "Feed your **Bankhar** twice a day; food costs about $3 and `kibble` works. "
	for len(st.text) < tail {
		st.apply(chunkDelta{content: para}, tNow)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(st.text)))
	t := tNow
	for b.Loop() {
		t = t.Add(time.Second)
		v.shown = 0 // as if a token had arrived: the live block is rendered again
		v.flush(st, t)
	}
	if sink.bytes < tail {
		b.Fatalf("updates sent %d bytes, want at least one render of %d", sink.bytes, tail)
	}
}

// BenchmarkBuildUpdate1KiB builds an update of a typical live paragraph.
func BenchmarkBuildUpdate1KiB(b *testing.B) { benchUpdate(b, 1<<10) }

// BenchmarkBuildUpdateMaxBlock builds the largest usual update (maxBlockBytes).
func BenchmarkBuildUpdateMaxBlock(b *testing.B) { benchUpdate(b, maxBlockBytes) }

// BenchmarkSSERewrite rewrites OpenRouter events as the transport does.
func BenchmarkSSERewrite(b *testing.B) {
	const events = 1000
	in := strings.Repeat(orContent1, events)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	buf := make([]byte, 32<<10)
	for b.Loop() {
		body := newSSEBody(context.Background(), io.NopCloser(strings.NewReader(in)))
		for {
			if _, err := body.Read(buf); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}

// BenchmarkPrinterWrite writes one token through a Printer.
func BenchmarkPrinterWrite(b *testing.B) {
	var buf bytes.Buffer
	p := newPrinter(&buf, PrinterInterval)
	defer p.Close()
	tok := []byte(" word")
	b.ReportAllocs()
	for b.Loop() {
		p.Write(tok)
		if buf.Len() > 1<<20 {
			p.Flush()
			buf.Reset()
		}
	}
}
