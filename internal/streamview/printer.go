package streamview

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/kernel"
)

// PrinterInterval is how often a Printer writes what it has collected: at
// most about 18 writes a second reach the notebook, and never more than
// maxMessagesPerSecond messages in one second (pace.go), far below Jupyter's
// limit of 1000 output messages a second. For a very fast text in a notebook
// the interval grows a little, to leave room for the messages that start new
// outputs (printer_outputs.go).
const PrinterInterval = updateGap

// printerMaxBuffer is the most a Printer holds before it writes at once.
const printerMaxBuffer = 64 << 10

// Printer collects small writes, such as the tokens of a streamed answer,
// and writes them to standard output together: at once when nothing was
// written for PrinterInterval, otherwise at most every PrinterInterval, and
// on Flush and Close (which wait for the end of the interval, at most
// maxFinishWait). Nothing is dropped and the order is kept. A Printer is safe
// for concurrent use.
//
// Printing each token with its own write can exceed Jupyter's limit of
// output messages a second ("IOPub message rate exceeded"), after which
// Jupyter drops output; a Printer stays far below it.
type Printer struct {
	mu     sync.Mutex
	w      io.Writer
	pace   pacer // times of the writes to w
	buf    []byte
	timer  *time.Timer // pending flush, nil when none
	closed bool
	err    error // first error writing to w

	guard *linkGuard   // defuses links in the text; nil outside a notebook
	brk   *textBreaker // ends long outputs (printer_outputs.go); nil outside a notebook
	out   []byte       // scratch for the rewritten text
}

// NewPrinter returns a Printer writing to standard output. Close it when
// done (defer out.Close()) so the last text is written.
//
// In a notebook, links in the text other than http and https ones are
// defused, so that JupyterLab does not make a model's javascript:// or
// data: text clickable (see printer_links.go), and a long text goes on in a
// new output at a line end, which looks the same but costs the browser less
// (see printer_outputs.go).
func NewPrinter() *Printer {
	p := newPrinter(os.Stdout, PrinterInterval)
	if kernel.InNotebook() {
		p.guard = &linkGuard{}
		p.brk = newTextBreaker(kernel.EndText)
	}
	return p
}

// NewPrinterTo returns a Printer writing to w, without link guard.
func NewPrinterTo(w io.Writer) *Printer { return newPrinter(w, PrinterInterval) }

func newPrinter(w io.Writer, interval time.Duration) *Printer {
	p := &Printer{w: w, pace: pacer{gap: interval}}
	printers.add(p)
	return p
}

// Write adds p to the text to print. It never blocks for longer than a write
// to the underlying output takes.
func (p *Printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		// Nothing is dropped: late text is written at once.
		if p.guard != nil {
			p.out, _ = p.guard.rewrite(p.out[:0], b, true)
			_, err := p.w.Write(p.out)
			return len(b), err
		}
		return p.w.Write(b)
	}
	p.buf = append(p.buf, b...)
	t := now()
	if p.brk != nil && p.brk.first.IsZero() {
		p.brk.first = t
	}
	k := p.messages(false)
	at := p.pace.earliest(t, k)
	switch {
	case len(p.buf) >= printerMaxBuffer && !p.pace.roomFor(k).After(t):
		p.flushLocked()
	case p.timer != nil:
		// A flush is already scheduled.
	case !at.After(t):
		// Quiet until now: show the text at once.
		p.flushLocked()
	default:
		p.timer = time.AfterFunc(at.Sub(t), p.timerFlush)
	}
	return len(b), nil
}

// WriteString is like Write with a string.
func (p *Printer) WriteString(s string) (int, error) {
	return p.Write([]byte(s))
}

// Flush writes what the Printer holds now.
func (p *Printer) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushFinalLocked()
	return p.err
}

// Close writes what the Printer holds and stops coalescing: later writes go
// straight to the output.
func (p *Printer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.flushFinalLocked()
	p.closed = true
	err := p.err
	p.mu.Unlock()
	printers.remove(p)
	return err
}

func (p *Printer) timerFlush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timer = nil
	if p.closed {
		return
	}
	t := now()
	if at := p.pace.earliest(t, p.messages(true)); at.After(t) {
		p.timer = time.AfterFunc(at.Sub(t), p.timerFlush)
		return
	}
	p.flushLocked()
}

// flushLocked writes the buffer; p.mu is held. With a link guard, a colon
// at the very end may stay for the next write (see linkGuard.rewrite).
func (p *Printer) flushLocked() { p.flush(false) }

// flushFinalLocked writes the whole buffer; p.mu is held.
func (p *Printer) flushFinalLocked() { p.flush(true) }

func (p *Printer) flush(final bool) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if len(p.buf) == 0 {
		return
	}
	t := now()
	if final {
		t = p.pace.wait(t, p.messages(true), t.Add(maxFinishWait))
	}
	p.pace.started(t)
	rest := p.buf
	if b := p.brk; b != nil {
		p.pace.gap = b.tune(t, len(p.buf))
		if b.pending && b.endOutput() {
			p.pace.message(t)
		}
		if cut := b.cut(p.buf); cut > 0 {
			// The text up to the line end ends with '\n': the link guard
			// holds none of it back.
			p.write(p.buf[:cut], false, t)
			rest = p.buf[cut:]
			if len(rest) == 0 {
				b.pending = true
			} else if b.endOutput() {
				p.pace.message(t)
			}
		}
	}
	held := 0
	if len(rest) > 0 {
		held = p.write(rest, final, t)
	}
	keep := copy(p.buf, p.buf[len(p.buf)-held:])
	if cap(p.buf) > printerMaxBuffer {
		p.buf = append([]byte(nil), p.buf[:keep]...)
	} else {
		p.buf = p.buf[:keep]
	}
}

// write writes text, one message sent at t, and returns how many bytes at
// its end the link guard held back for the next write.
func (p *Printer) write(text []byte, final bool, t time.Time) (held int) {
	if p.guard != nil {
		p.out, held = p.guard.rewrite(p.out[:0], text, final)
		text = p.out
	}
	if len(text) > 0 {
		if _, err := p.w.Write(text); err != nil && p.err == nil {
			p.err = err
		}
	}
	if p.brk != nil {
		p.brk.wrote(len(text))
	}
	p.pace.message(t)
	return held
}

// messages returns how many messages writing the buffer takes now: one, and
// more when it ends an output (see textBreaker.extra; look as there).
func (p *Printer) messages(look bool) int {
	if p.brk == nil {
		return 1
	}
	return 1 + p.brk.extra(p.buf, look)
}

// printerSet holds the open Printers, so that ShowError can flush them
// before its message.
type printerSet struct {
	mu sync.Mutex
	m  map[*Printer]struct{}
}

var printers printerSet

func (s *printerSet) add(p *Printer) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[*Printer]struct{}{}
	}
	s.m[p] = struct{}{}
	s.mu.Unlock()
}

func (s *printerSet) remove(p *Printer) {
	s.mu.Lock()
	delete(s.m, p)
	s.mu.Unlock()
}

// FlushPrinters flushes every open Printer, so that what they hold shows
// above the next output.
func FlushPrinters() {
	printers.mu.Lock()
	ps := make([]*Printer, 0, len(printers.m))
	for p := range printers.m {
		ps = append(ps, p)
	}
	printers.mu.Unlock()
	for _, p := range ps {
		p.Flush()
	}
}
