package streamview

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// jupyterWebLink is JupyterLab 4's webLinkRegex (rendermime's linkify of
// text outputs), in Go syntax.
var jupyterWebLink = regexp.MustCompile(`(?:[a-zA-Z][a-zA-Z0-9+.-]{2,40}://|data:|www\.)[^\s\x00-\x20\x7f-\x9f"]{2,}[^\s\x00-\x20\x7f-\x9f"'(){}\[\],:;.!?]`)

// linkCases are texts with the links JupyterLab may make of them and the one
// that must stay.
var linkCases = []struct {
	in       string
	keepLink string // the only link allowed, "" for none
}{
	{"see https://openrouter.ai/models now", "https://openrouter.ai/models"},
	{"or http://localhost:11434/v1.", "http://localhost:11434/v1"},
	{"click javascript://%0a__xss('printer')", ""},
	{"JavaScript://x%0aalert(1)", ""},
	{"data:text/html;base64,PHNjcmlwdD4=", ""},
	{"metadata:xyzzy", ""},
	{"file:///etc/passwd", ""},
	{"vbscript://x", ""},
	{"xhttps://evil.example/x", ""},
	{"1javascript://x%0aalert(1)", ""},
	{"the data: it is fine", ""},
	{"ratio 3:1 and 10:30", ""},
}

func guardAll(t *testing.T, text string, rng *rand.Rand) string {
	t.Helper()
	var out strings.Builder
	w := &syncBuffer{}
	p := newPrinter(w, time.Hour)
	p.guard = &linkGuard{}
	for i := 0; i < len(text); {
		k := 1 + rng.IntN(4)
		if i+k > len(text) {
			k = len(text) - i
		}
		p.WriteString(text[i : i+k])
		if rng.IntN(2) == 0 {
			p.flushLocked() // as the timer does, mid-text
		}
		i += k
	}
	p.Close()
	out.WriteString(w.String())
	return out.String()
}

// Whatever the cuts between writes, the only links JupyterLab can make of a
// Printer's text are http and https ones, and the text reads the same.
func TestPrinterDefusesLinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range linkCases {
		for run := 0; run < 50; run++ {
			got := guardAll(t, c.in, rng)
			if strings.ReplaceAll(got, wordJoiner, "") != c.in {
				t.Fatalf("%q came out as %q", c.in, got)
			}
			links := jupyterWebLink.FindAllString(got, -1)
			if c.keepLink == "" && len(links) > 0 || c.keepLink != "" && (len(links) != 1 || links[0] != c.keepLink) {
				t.Fatalf("%q (run %d) printed as %q: JupyterLab links %q, want %q", c.in, run, got, links, c.keepLink)
			}
		}
	}
}
