package streamview

import (
	"bytes"
	"strings"
	"testing"
)

// The offline label shows once per program (a cell), however many clients
// and requests ask for it.
func TestOfflineLabelOncePerProgram(t *testing.T) {
	labelMu.Lock()
	labelShown = false
	labelMu.Unlock()
	var out bytes.Buffer
	ShowOfflineLabel(&out)
	ShowOfflineLabel(&out)
	if n := strings.Count(out.String(), OfflineLabel); n != 1 {
		t.Errorf("label printed %d times: %q", n, out.String())
	}
}

// A wait notice outside a notebook prints a line when the count changes and
// one when the turn comes.
func TestWaitNoticeLines(t *testing.T) {
	var out bytes.Buffer
	n := NewWaitNotice(&out)
	n.Ahead(2)
	n.Ahead(2)
	n.Ahead(0)
	n.Turn()
	n.Turn()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "2 requests ahead of you") ||
		!strings.Contains(lines[1], "you are next") || !strings.HasPrefix(lines[2], "✅ Your turn came after") {
		t.Errorf("notice lines %q", lines)
	}
}
