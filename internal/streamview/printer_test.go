package streamview

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The first write after a quiet spell is written at once.
func TestPrinterWritesLoneTokenAtOnce(t *testing.T) {
	var buf syncBuffer
	p := newPrinter(&buf, 50*time.Millisecond)
	defer p.Close()
	p.WriteString("Feed")
	if got := buf.String(); got != "Feed" {
		t.Fatalf("after the first write: %q", got)
	}
	p.WriteString(" twice")
	if got := buf.String(); got != "Feed" {
		t.Fatalf("second write within the interval was not held: %q", got)
	}
	// It comes out after the interval without any further write.
	deadline := time.Now().Add(5 * time.Second)
	for buf.String() != "Feed twice" {
		if time.Now().After(deadline) {
			t.Fatalf("held text never written: %q", buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Many small writes are coalesced, kept in order, and flushed on Close.
func TestPrinterCoalesces(t *testing.T) {
	var buf syncBuffer
	interval := 20 * time.Millisecond
	p := newPrinter(&buf, interval)
	var want strings.Builder
	start := time.Now()
	for i := 0; i < 20000; i++ {
		tok := fmt.Sprintf(" t%d", i)
		want.WriteString(tok)
		fmt.Fprint(p, tok)
	}
	p.Close()
	elapsed := time.Since(start)
	if buf.String() != want.String() {
		t.Fatalf("printed %d bytes, want %d in order", len(buf.String()), want.Len())
	}
	// At most one write per interval, plus the first and the one at Close
	// (a full buffer adds one per printerMaxBuffer bytes).
	limit := int(elapsed/interval) + 2 + want.Len()/printerMaxBuffer
	if n := buf.count(); n > limit {
		t.Errorf("%d writes in %v for 20000 tokens, want at most %d", n, elapsed, limit)
	}
	t.Logf("20000 tokens: %d writes in %v", buf.count(), elapsed)
	p.WriteString("late")
	if !strings.HasSuffix(buf.String(), "late") {
		t.Error("a write after Close was lost")
	}
}

// At 3000 tokens a second for a while, writes stay at one per interval.
func TestPrinterCoalescesOverTime(t *testing.T) {
	var buf syncBuffer
	interval := 20 * time.Millisecond
	p := newPrinter(&buf, interval)
	start := time.Now()
	n := 0
	for time.Since(start) < 300*time.Millisecond {
		for i := 0; i < 3; i++ {
			fmt.Fprintf(p, " t%d", n)
			n++
		}
		time.Sleep(time.Millisecond)
	}
	p.Close()
	elapsed := time.Since(start)
	if limit := int(elapsed/interval) + 2; buf.count() > limit {
		t.Errorf("%d writes in %v, want at most %d", buf.count(), elapsed, limit)
	}
	if !strings.HasSuffix(buf.String(), fmt.Sprintf(" t%d", n-1)) || strings.Count(buf.String(), " t") != n {
		t.Errorf("tokens lost: %d of %d", strings.Count(buf.String(), " t"), n)
	}
	t.Logf("%d tokens in %v: %d writes", n, elapsed, buf.count())
}

// With its real interval, a Printer fed 3000 tokens a second writes at most
// once per PrinterInterval, the write at Close included, so never more than
// 19 times in a second.
func TestPrinterPacesItsWrites(t *testing.T) {
	var buf syncBuffer
	p := newPrinter(&buf, PrinterInterval)
	start := time.Now()
	for n := 0; time.Since(start) < 1500*time.Millisecond; n++ {
		fmt.Fprintf(p, " t%d", n)
		if n%3 == 2 {
			time.Sleep(time.Millisecond)
		}
	}
	p.Close()
	buf.mu.Lock()
	times := buf.times
	buf.mu.Unlock()
	ups := make([]Update, len(times))
	for i, at := range times {
		ups[i].At = at
		if i > 0 && at.Sub(times[i-1]) < PrinterInterval-time.Millisecond {
			t.Errorf("write %d came %v after the one before, want at least %v", i, at.Sub(times[i-1]), PrinterInterval)
		}
	}
	if n := peakPerSecond(ups); n > 19 {
		t.Errorf("%d writes in one second, want at most 19", n)
	}
}

func TestPrinterConcurrentWriters(t *testing.T) {
	var buf syncBuffer
	p := newPrinter(&buf, time.Millisecond)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				p.WriteString("x")
			}
		}()
	}
	wg.Wait()
	p.Close()
	if n := len(buf.String()); n != 8000 {
		t.Errorf("printed %d bytes, want 8000", n)
	}
}

// ShowError flushes open Printers first, so its message comes after the text.
func TestFlushPrintersBeforeError(t *testing.T) {
	var buf syncBuffer
	p := newPrinter(&buf, time.Hour)
	defer p.Close()
	p.WriteString("a")
	p.WriteString("b") // held for an hour
	FlushPrinters()
	if buf.String() != "ab" {
		t.Errorf("after flushPrinters: %q", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use that counts writes.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	times  []time.Time // of every write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	b.times = append(b.times, time.Now())
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}
