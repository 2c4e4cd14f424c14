package streamview

// Micro-benchmarks of the streaming hot path (issue 5): appending a token,
// building an update, writing through a Printer (parsing a chunk and
// rewriting events are in package sse). Run with
//
//	go test ./internal/streamview -run '^$' -bench . -benchmem

import (
	"bytes"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/sse"
)

// BenchmarkAppendToken adds one token to a stream's state.
func BenchmarkAppendToken(b *testing.B) {
	st := newStreamState(tNow)
	d := sse.Delta{Content: " word"}
	b.ReportAllocs()
	for b.Loop() {
		st.apply(d, tNow)
		if len(st.text) > 1<<20 {
			st.text = st.text[:0]
		}
	}
}

// discardSink builds each update's output as the notebook's sink does
// (rendering and sanitizing the Markdown), then drops it, counting its
// bytes.
type discardSink struct{ bytes int }

func (d *discardSink) Show(id string, kind Kind, content string) {
	o := output(id, kind, content)
	d.bytes += len(o.HTML) + len(o.Text)
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
		st.apply(sse.Delta{Content: para}, tNow)
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

// BenchmarkBuildUpdateMaxBlock builds the largest usual update (MaxBlockBytes).
func BenchmarkBuildUpdateMaxBlock(b *testing.B) { benchUpdate(b, MaxBlockBytes) }

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
