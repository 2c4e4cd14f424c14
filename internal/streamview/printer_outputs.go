package streamview

import (
	"bytes"
	"sync/atomic"
	"time"
)

// A long text in several outputs. JupyterLab joins consecutive stream
// messages into one output and re-renders all of it for every message, so a
// Printer's writes cost the browser more and more as the text grows: near the
// end of a 5000-token answer (135 KB) each write re-rendered all of it, and
// the browser fell behind. In a notebook, a Printer therefore ends its output
// at a line end once the output holds outputSize bytes, and the text goes on
// in a new output just below, which looks the same: the line end closes the
// first output's last line, and the output that ends it is empty.

// maxPrinterOutputs bounds how many outputs the Printers of one cell's
// program start, because JupyterLab shows only the first 50 outputs of a cell
// (more hide behind a "Show more outputs" button). After it, text stays in the
// output it is in.
const maxPrinterOutputs = 20

// printerOutputs counts the outputs started by Printers in this program.
var printerOutputs atomic.Int32

// textBreaker decides where a Printer's output ends, and ends it.
type textBreaker struct {
	// end ends the output and reports whether it did (kernel.EndText).
	end func() bool

	size    int       // bytes an output holds before it ends
	since   int       // bytes written to the current output
	written int       // bytes written in all
	first   time.Time // when the first text came
	pending bool      // the last write ended a line past size: end the output before the next
}

func newTextBreaker(end func() bool) *textBreaker {
	return &textBreaker{end: end, size: MaxBlockBytes}
}

// tune sets the outputs' size for the speed of the text so far (outputSize)
// and returns the gap between writes that leaves room for the two extra
// messages of each new output, with buffered bytes not yet written.
func (b *textBreaker) tune(t time.Time, buffered int) time.Duration {
	elapsed := t.Sub(b.first)
	if b.first.IsZero() || elapsed < 200*time.Millisecond {
		return updateGap
	}
	bytesPerSecond := float64(b.written+buffered) / elapsed.Seconds()
	b.size = outputSize(b.written, bytesPerSecond, MaxBlockBytes)
	return gapFor(bytesPerSecond, b.size, 2)
}

// cut returns where in buf, the text about to be written, the output should
// end: just after its last line end, once the output is past its size. When
// a line is very long (twice the size), after a space will do. 0 means not
// in buf.
func (b *textBreaker) cut(buf []byte) int {
	if !b.past(len(buf)) {
		return 0
	}
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		return i + 1
	}
	if b.since+len(buf) > 2*b.size {
		return bytes.LastIndexByte(buf, ' ') + 1
	}
	return 0
}

// past reports whether n more bytes take the output past its size, while
// Printers may still start outputs.
func (b *textBreaker) past(n int) bool {
	return b.since+n > b.size && printerOutputs.Load() < maxPrinterOutputs
}

// extra returns how many more messages than one the next write of buf takes:
// one when the output ends first, two when it ends in the middle. Unless
// look, it does not look for a line end in buf (Write runs it for every
// token) and counts an end in the middle whenever buf takes the output past
// its size.
func (b *textBreaker) extra(buf []byte, look bool) int {
	k := 0
	if b.pending {
		k++
	}
	if look {
		if cut := b.cut(buf); cut > 0 && cut < len(buf) {
			k += 2
		}
	} else if b.past(len(buf)) {
		k += 2
	}
	return k
}

// wrote records n bytes written to the current output.
func (b *textBreaker) wrote(n int) {
	b.since += n
	b.written += n
}

// endOutput ends the current output and reports whether it did (it does not
// when the kernel has not read what was written before: see kernel.EndText).
func (b *textBreaker) endOutput() bool {
	b.pending = false
	if !b.end() {
		return false
	}
	b.since = 0
	printerOutputs.Add(1)
	return true
}
