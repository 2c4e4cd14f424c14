package streamview

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/offline"
)

// endMark stands for kernel.EndText in these tests: the breaker's end writes
// it to the same buffer as the text, so its place in the text is checked.
const endMark = "\x00"

// breakingPrinter returns a Printer like NewPrinter's in a notebook, writing
// to buf, whose outputs end with endMark; drained says whether the kernel
// has read the text.
func breakingPrinter(t *testing.T, buf *syncBuffer, drained func() bool) *Printer {
	t.Helper()
	saved := printerOutputs.Load()
	printerOutputs.Store(0)
	t.Cleanup(func() { printerOutputs.Store(saved) })
	p := newPrinter(buf, PrinterInterval)
	p.brk = newTextBreaker(func() bool {
		if !drained() {
			return false
		}
		buf.Write([]byte(endMark))
		return true
	})
	return p
}

// A 5000-token answer streamed at 3000 tokens a second (the benchmark's
// tokens, with a paragraph every 40) goes into several outputs, each ended
// right after a line end once past its size; nothing is lost or moved, and
// no second holds more than 19 messages, the ends of outputs included.
func TestPrinterEndsLongOutputsAtLineEnds(t *testing.T) {
	var buf syncBuffer
	p := breakingPrinter(t, &buf, func() bool { return true })
	var want strings.Builder
	start := time.Now()
	for i := 0; i < 5000; i++ {
		// Token i is due at i/3000 s.
		if d := time.Until(start.Add(time.Duration(i) * time.Second / 3000)); d > 0 {
			time.Sleep(d)
		}
		tok := offline.BenchToken(i, time.Now())
		want.WriteString(tok)
		p.WriteString(tok)
	}
	p.Close()
	got := buf.String()
	if strings.ReplaceAll(got, endMark, "") != want.String() {
		t.Fatalf("text changed: %d bytes printed, %d written", len(strings.ReplaceAll(got, endMark, "")), want.Len())
	}
	outputs := strings.Split(got, endMark)
	if len(outputs) < 2 {
		t.Fatalf("%d bytes in one output, want several", len(got))
	}
	for i, o := range outputs[:len(outputs)-1] {
		if !strings.HasSuffix(o, "\n") {
			t.Errorf("output %d does not end at a line end: …%q", i, o[max(0, len(o)-20):])
		}
		if len(o) <= MaxBlockBytes || len(o) > MaxFastBlockBytes+printerMaxBuffer {
			t.Errorf("output %d holds %d bytes, want over %d and at most %d", i, len(o), MaxBlockBytes, MaxFastBlockBytes+printerMaxBuffer)
		}
	}
	buf.mu.Lock()
	ups := make([]Update, len(buf.times))
	for i, at := range buf.times {
		ups[i].At = at
	}
	buf.mu.Unlock()
	if n := peakPerSecond(ups); n > maxMessagesPerSecond {
		t.Errorf("%d messages in one second, want at most %d", n, maxMessagesPerSecond)
	}
	t.Logf("%d bytes in %d outputs, %d messages in %v (gap %v)", want.Len(), len(outputs), len(ups), time.Since(start), p.pace.gap)
}

// fakeTime makes now() and the pacer's sleep use a fake clock for the test,
// safe for the Printer's timer goroutine, and returns it.
func fakeTime(t *testing.T) *atomic.Int64 {
	var c atomic.Int64
	c.Store(time.Unix(1_700_000_000, 0).UnixNano())
	f := func() time.Time { return time.Unix(0, c.Load()) }
	clock.Store(&f)
	sleep = func(d time.Duration) { c.Add(int64(d)) }
	t.Cleanup(func() { clock.Store(nil); sleep = time.Sleep })
	return &c
}

// feed writes text to p in pieces of n bytes, one every 10 ms of the fake
// clock c, and flushes after each.
func feed(p *Printer, c *atomic.Int64, text string, n int) {
	for len(text) > 0 {
		k := min(n, len(text))
		c.Add(int64(10 * time.Millisecond))
		p.WriteString(text[:k])
		p.Flush()
		text = text[k:]
	}
}

// A line longer than twice an output's size ends its output after a space;
// a shorter one is never cut.
func TestPrinterCutsVeryLongLinesAtSpaces(t *testing.T) {
	var buf syncBuffer
	p := breakingPrinter(t, &buf, func() bool { return true })
	c := fakeTime(t)
	word := "word "
	line := strings.Repeat(word, (3*MaxBlockBytes)/len(word))
	feed(p, c, line, 1000)
	p.Close()
	outputs := strings.Split(buf.String(), endMark)
	if len(outputs) != 2 {
		t.Fatalf("%d outputs, want 2", len(outputs))
	}
	if n := len(outputs[0]); n <= 2*MaxBlockBytes || !strings.HasSuffix(outputs[0], " ") {
		t.Errorf("first output: %d bytes ending %q, want over %d ending with a space", n, outputs[0][len(outputs[0])-5:], 2*MaxBlockBytes)
	}
}

// When the kernel has not read the text yet, the output does not end (its
// end would come before the text); it ends at a later line end.
func TestPrinterEndsNoOutputBeforeTheTextIsRead(t *testing.T) {
	var buf syncBuffer
	read := false
	p := breakingPrinter(t, &buf, func() bool { return read })
	c := fakeTime(t)
	para := strings.Repeat("x", 99) + "\n"
	feed(p, c, strings.Repeat(para, MaxBlockBytes/len(para)+10), 300)
	if strings.Contains(buf.String(), endMark) {
		t.Fatal("an output ended before its text was read")
	}
	read = true
	feed(p, c, para+"more", 300)
	p.Close()
	outputs := strings.Split(buf.String(), endMark)
	if len(outputs) != 2 || !strings.HasSuffix(outputs[0], "\n") || !strings.HasSuffix(outputs[1], "more") {
		t.Errorf("after the text was read: %d outputs, want 2, the first ending a line", len(outputs))
	}
}

// The Printers of one program start at most maxPrinterOutputs outputs, so
// that JupyterLab shows them all (it hides a cell's outputs after 50).
func TestPrinterOutputsAreBounded(t *testing.T) {
	var buf syncBuffer
	p := breakingPrinter(t, &buf, func() bool { return true })
	c := fakeTime(t)
	para := strings.Repeat("y", 1023) + "\n"
	feed(p, c, strings.Repeat(para, (maxPrinterOutputs+5)*(MaxFastBlockBytes/len(para)+1)), 4096)
	p.Close()
	if n := strings.Count(buf.String(), endMark); n != maxPrinterOutputs {
		t.Errorf("%d outputs ended, want %d", n, maxPrinterOutputs)
	}
}

// A line end at the very end of a write ends the output before the next
// text, one message then instead of two.
func TestPrinterEndsOutputBeforeTheNextText(t *testing.T) {
	var buf syncBuffer
	p := breakingPrinter(t, &buf, func() bool { return true })
	c := fakeTime(t)
	para := strings.Repeat("z", 511) + "\n"
	text := strings.Repeat(para, MaxBlockBytes/len(para)+1)
	feed(p, c, text, len(para))
	if strings.Contains(buf.String(), endMark) {
		t.Fatal("the output ended before there was more text")
	}
	feed(p, c, "next", 4)
	p.Close()
	if want := text + endMark + "next"; buf.String() != want {
		t.Errorf("got …%q, want …%q", buf.String()[len(text)-3:], want[len(text)-3:])
	}
	if n := buf.count(); n != len(text)/len(para)+2 {
		t.Errorf("%d messages, want %d", n, len(text)/len(para)+2)
	}
}
