package kernel

import (
	"regexp"
	"testing"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

func TestBundleLeavesOutEmptyForms(t *testing.T) {
	got := bundle(Output{ID: "x", HTML: "<b>hi</b>", Text: "hi"})
	if len(got) != 2 || got[protocol.MIMETextHTML] != "<b>hi</b>" || got[protocol.MIMETextPlain] != "hi" {
		t.Errorf("bundle = %v", got)
	}
	if got := bundle(Output{Markdown: "**hi**"}); len(got) != 1 || got[protocol.MIMETextMarkdown] != "**hi**" {
		t.Errorf("bundle = %v", got)
	}
}

func TestUniqueIDsDiffer(t *testing.T) {
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^[0-9a-f]{8}$`)
	for i := 0; i < 1000; i++ {
		id := UniqueID()
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
