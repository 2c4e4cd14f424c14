package streamview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/k12notebooks/golessons/internal/kernel"
)

// OfflineLabel is shown above the answers of the offline sample provider,
// once per program: a cell runs as one program, so once per cell.
const OfflineLabel = "📴 Offline sample answer: prepared text from a practice server on this computer, " +
	"not a real AI model.\n   To go live, set OPENROUTER_API_KEY (see docs/setup.md) and run the cell again."

// labelShown records that this program has shown OfflineLabel.
var (
	labelMu    sync.Mutex
	labelShown bool
)

// ShowOfflineLabel shows OfflineLabel, once per program, to w or, when w is
// nil, to the cell's output. In a notebook it goes out as a display, on the
// same channel as Show's and Compare's outputs, so it stays above them.
func ShowOfflineLabel(w io.Writer) {
	labelMu.Lock()
	defer labelMu.Unlock()
	if labelShown {
		return
	}
	labelShown = true
	FlushPrinters()
	if w == nil && kernel.InNotebook() {
		kernel.Show(kernel.Output{Markdown: strings.Replace(OfflineLabel, "Offline sample answer", "**Offline sample answer**", 1)})
		return
	}
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintln(w, OfflineLabel)
}

// ShowError shows msg, a message about err: in a notebook as a highlighted
// box, otherwise on standard error. A stopped cell (err is
// context.Canceled) gets a quieter mark. Text already printed by a Printer
// is flushed first, so the message comes after it.
func ShowError(msg string, err error) {
	FlushPrinters()
	stop := errors.Is(err, context.Canceled)
	if kernel.InNotebook() {
		kernel.Show(kernel.Output{HTML: inertHTML(ErrorHTML(msg, stop))})
		kernel.Sync()
		return
	}
	mark := "⚠️ "
	if stop {
		mark = "⏹ "
	}
	fmt.Fprintln(os.Stderr, mark+msg)
}

// ErrorHTML renders a message as a notice box; stop makes it the notice of
// a stopped cell.
func ErrorHTML(msg string, stop bool) string {
	return renderView("error", struct {
		Msg  string
		Stop bool
	}{msg, stop})
}
