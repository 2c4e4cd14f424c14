package streamview

import (
	"fmt"
	"io"
	"time"
)

// plainView prints a stream as plain text, for runs outside a notebook: the
// answer as it arrives (through a Printer), a line when the model thinks,
// then the note and the stats line.
type plainView struct {
	out      *Printer
	printed  int
	thinking bool // "Thinking…" was printed
	started  bool // answer text was printed
}

// NewPlain returns the View for runs outside a notebook: plain text on w.
func NewPlain(w io.Writer) View { return newPlainView(w) }

func newPlainView(w io.Writer) *plainView {
	return &plainView{out: newPrinter(w, PrinterInterval)}
}

func (v *plainView) begin(*streamState, time.Time) {}

func (v *plainView) tick(*streamState, time.Time) {}

func (v *plainView) deadline() time.Time { return time.Time{} }

func (v *plainView) update(st *streamState, _ time.Time) {
	if len(st.reasoning) > 0 && !v.thinking && !v.started {
		fmt.Fprintln(v.out, "💭 Thinking…")
		v.thinking = true
	}
	if len(st.text) > v.printed {
		if !v.started {
			if v.thinking {
				fmt.Fprintf(v.out, "💭 Thought for %s\n\n", seconds(st.firstContent.Sub(st.start)))
			}
			v.started = true
		}
		v.out.Write(st.text[v.printed:])
		v.printed = len(st.text)
	}
}

func (v *plainView) finish(st *streamState, t time.Time) {
	v.update(st, t)
	r := st.result()
	if v.printed > 0 && st.text[v.printed-1] != '\n' {
		fmt.Fprintln(v.out)
	}
	if note := r.Note(); note != "" {
		mark := "⚠️ "
		if r.Stopped {
			mark = "⏹ "
		}
		fmt.Fprintln(v.out, mark+note)
	}
	fmt.Fprintln(v.out, "⏱ "+r.Stats())
	v.out.Close()
}
