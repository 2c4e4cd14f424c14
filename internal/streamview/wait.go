package streamview

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/sse"
)

// waitNotice shows a student where their request stands in the class
// relay's queue: "⏳ Waiting for a free turn: 3 ahead of you", updated in
// place, then how long the wait was once the turn came. One waitNotice
// serves one request.
type waitNotice struct {
	mu    sync.Mutex
	sink  Sink      // the notebook's outputs; nil outside a notebook
	w     io.Writer // where lines go outside a notebook
	id    string
	start time.Time
	last  int // the last count shown; -1 before the first
}

// NewWaitNotice returns the notice for one request: in the notebook's
// outputs, or as lines on w (standard output when nil) outside a notebook.
func NewWaitNotice(w io.Writer) sse.Listener {
	n := &waitNotice{w: w, last: -1}
	if w == nil {
		n.w = os.Stdout
		if kernel.InNotebook() {
			n.sink = notebookSink{}
		}
	}
	return n
}

// Ahead implements sse.Listener.
func (n *waitNotice) Ahead(count int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if count == n.last {
		return
	}
	if n.last < 0 {
		n.start = now()
		n.id = newDisplayPrefix("wait") + "1"
		FlushPrinters() // the notice goes below the text printed so far
	}
	n.last = count
	msg := "⏳ Waiting for a free turn: " + aheadText(count) + ". Your whole class shares the AI, " +
		"so requests take turns; your answer starts by itself."
	if n.sink == nil {
		fmt.Fprintln(n.w, msg)
		return
	}
	n.sink.Show(n.id, KindHTML, renderView("wait", msg))
}

// Turn implements sse.Listener.
func (n *waitNotice) Turn() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.last < 0 {
		return
	}
	msg := "✅ Your turn came after " + seconds(now().Sub(n.start)) + " of waiting."
	n.last = -1
	if n.sink == nil {
		fmt.Fprintln(n.w, msg)
		return
	}
	n.sink.Show(n.id, KindHTML, renderView("wait", msg))
}

// aheadText says how many requests come first, in words.
func aheadText(count int) string {
	switch count {
	case 0:
		return "you are next"
	case 1:
		return "1 request ahead of you"
	}
	return strconv.Itoa(count) + " requests ahead of you"
}
