package streamview

import (
	"html"
	"strings"
	"sync"
	"time"
)

// Update is one call of a Sink, as a Recorder keeps it.
type Update struct {
	ID      string
	Kind    Kind
	Content string
	At      time.Time
}

// Recorder is a Sink that keeps every update, for tests and measurements.
// It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	updates []Update
}

// Show implements Sink.
func (r *Recorder) Show(id string, kind Kind, content string) {
	r.mu.Lock()
	r.updates = append(r.updates, Update{id, kind, content, now()})
	r.mu.Unlock()
}

// Updates returns every update so far, in order.
func (r *Recorder) Updates() []Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Update(nil), r.updates...)
}

// Outputs returns the ids in order of first appearance and the final
// content of each.
func (r *Recorder) Outputs() ([]string, map[string]Update) {
	var ids []string
	last := map[string]Update{}
	for _, u := range r.Updates() {
		if _, ok := last[u.ID]; !ok {
			ids = append(ids, u.ID)
		}
		last[u.ID] = u
	}
	return ids, last
}

// Screen returns the final content of every output, in order, one per line
// block, with HTML entities decoded: what the cell shows when the stream is
// over.
func (r *Recorder) Screen() string {
	ids, last := r.Outputs()
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(last[id].Content)
		b.WriteString("\n")
	}
	return html.UnescapeString(b.String())
}

// AnswerMarkdown returns the final Markdown outputs joined: the answer as it
// reads on screen, for answers without forced splits.
func (r *Recorder) AnswerMarkdown() string {
	ids, last := r.Outputs()
	var b strings.Builder
	for _, id := range ids {
		if last[id].Kind.IsMarkdown() {
			b.WriteString(last[id].Content)
		}
	}
	return b.String()
}

// All returns every update's content, one a line, for checks that must
// hold for each.
func (r *Recorder) All() string {
	var b strings.Builder
	for _, u := range r.Updates() {
		b.WriteString(u.Content)
		b.WriteString("\n")
	}
	return b.String()
}
