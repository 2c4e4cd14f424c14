package streamview

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/k12notebooks/golessons/internal/sse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// hostileEntry is one entry of testdata/hostile.json, the catalogue of
// hostile model text shared with the browser test.
type hostileEntry struct {
	ID    string `json:"id"`
	Group string `json:"group"`
	Text  string `json:"text"`
}

func hostileCatalogue(t *testing.T) []hostileEntry {
	t.Helper()
	data, err := os.ReadFile("testdata/hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct{ Entries []hostileEntry }
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	if len(cat.Entries) < 25 {
		t.Fatalf("the catalogue has %d entries, want at least 25", len(cat.Entries))
	}
	return cat.Entries
}

// allowedElements are the only elements a rendered answer may hold.
var allowedElements = map[string]bool{
	"div": true, "p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "ul": true, "ol": true, "li": true, "blockquote": true, "pre": true,
	"code": true, "em": true, "strong": true, "del": true, "a": true, "table": true, "thead": true,
	"tbody": true, "tr": true, "th": true, "td": true,
}

// checkInert parses rendered HTML as a browser would (inside a div) and
// returns what in it is not inert: an element or attribute outside the
// allow-list, an event handler, or a URL that is not http, https or mailto.
func checkInert(rendered string, images bool) []string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(rendered), ctx)
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var bad []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			bad = append(bad, checkElement(n, images)...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return bad
}

func checkElement(n *html.Node, images bool) []string {
	var bad []string
	if !allowedElements[n.Data] && !(images && n.Data == "img") {
		bad = append(bad, "element <"+n.Data+">")
	}
	for _, a := range n.Attr {
		name, v := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
		switch {
		case strings.HasPrefix(name, "on"):
			bad = append(bad, fmt.Sprintf("event attribute %s=%q", a.Key, a.Val))
		case name == "href" || name == "src":
			if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:") {
				bad = append(bad, fmt.Sprintf("URL %s=%q", a.Key, a.Val))
			}
		case name == "class":
			if n.Data != "div" && !strings.HasPrefix(v, "language-") || n.Data == "div" && a.Val != inertClass {
				bad = append(bad, fmt.Sprintf("class %q on <%s>", a.Val, n.Data))
			}
		case name == "style" || name == "id" || name == "name" || name == "srcdoc" || name == "action":
			bad = append(bad, fmt.Sprintf("attribute %s=%q", a.Key, a.Val))
		}
	}
	return bad
}

// Every entry of the catalogue, whole and cut at every byte (as the live
// view renders a growing answer), renders to inert HTML.
func TestRenderHostileCatalogueIsInert(t *testing.T) {
	for _, e := range hostileCatalogue(t) {
		for cut := 1; cut <= len(e.Text); cut++ {
			out := string(renderAnswer(nil, []byte(e.Text[:cut])))
			if bad := checkInert(out, false); len(bad) > 0 {
				t.Errorf("%s (%s), first %d bytes:\n%s\nnot inert: %v", e.ID, e.Group, cut, out, bad)
				break
			}
			if strings.Contains(strings.ToLower(out), "javascript:") && strings.Contains(out, "href=\"javascript") {
				t.Errorf("%s: javascript: URL in %s", e.ID, out)
			}
		}
	}
}

// With RemoteImages on, only http and https images pass.
func TestRenderRemoteImagesWhenTurnedOn(t *testing.T) {
	RemoteImages.Store(true)
	defer RemoteImages.Store(false)
	out := string(renderAnswer(nil, []byte("![a dog](https://example.org/dog.png) ![x](javascript:alert(1)) ![y](data:image/png;base64,AAAA)")))
	if !strings.Contains(out, `<img src="https://example.org/dog.png" alt="a dog"`) {
		t.Errorf("remote image not shown: %s", out)
	}
	if bad := checkInert(out, true); len(bad) > 0 {
		t.Errorf("not inert: %v\n%s", bad, out)
	}
	if n := strings.Count(out, "<img"); n != 1 {
		t.Errorf("%d images, want only the https one: %s", n, out)
	}
}

// Markdown still renders: headings, lists, tables, bold, code, links; raw
// HTML shows as text, images as links, and "$" is not math.
func TestRenderMarkdownFeatures(t *testing.T) {
	cases := []struct{ in, want string }{
		{"## Feeding", "<h2>Feeding</h2>"},
		{"- one\n- two", "<li>one</li>"},
		{"1. first", "<ol>"},
		{"| Age | Meals |\n|---|--:|\n| Adult | 2 |", `<td align="right">2</td>`},
		{"**bold** and *it*", "<strong>bold</strong> and <em>it</em>"},
		{"~~old~~", "<del>old</del>"},
		{"`a<b>`", "<code>a&lt;b></code>"},
		{"```go\nx := 1\n```", `<pre><code class="language-go">x := 1`},
		{"see https://openrouter.ai/models", `<a href="https://openrouter.ai/models" rel="nofollow noreferrer noopener" target="_blank">`},
		{"[mail](mailto:teacher@school.example)", `href="mailto:teacher@school.example"`},
		{"a <b>bold</b> tag", "a &lt;b>bold&lt;/b> tag"},
		{"<div>block</div>", "<pre><code>&lt;div>block&lt;/div>"},
		{"![a dog](https://example.org/dog.png)", `>🖼 a dog</a>`},
		{"It costs $5, or $10.", "It costs $5, or $10."},
		{"line\rnext\r\rpara", "<p>para</p>"},
	}
	for _, c := range cases {
		out := string(renderAnswer(nil, []byte(c.in)))
		if !strings.Contains(out, c.want) {
			t.Errorf("renderAnswer(%q) =\n%s\nwant it to contain %s", c.in, out, c.want)
		}
		if !strings.HasPrefix(out, `<div class="`+inertClass+`">`) {
			t.Errorf("renderAnswer(%q) is not wrapped in the MathJax-ignoring div: %s", c.in, out)
		}
	}
}

// The live view, fed a hostile answer one byte at a time, sends only inert
// HTML, and never text/markdown, in every update.
func TestLiveViewSendsOnlyInertHTML(t *testing.T) {
	var text strings.Builder
	for _, e := range hostileCatalogue(t) {
		text.WriteString(e.Text)
		text.WriteString("\n\n")
	}
	s := text.String()
	sink := &Recorder{}
	v := newLiveView(sink)
	v.maxBlock = 512 // many outputs, and forced cuts inside constructs
	st := newStreamState(tNow)
	v.begin(st, tNow)
	t0 := tNow
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		t0 = t0.Add(150 * time.Millisecond) // every byte its own update
		st.apply(sse.Delta{Content: s[i : i+n]}, t0)
		v.update(st, t0)
		i += n
	}
	st.stop(nil, t0)
	v.finish(st, t0)
	checked := 0
	for _, u := range sink.Updates() {
		if !u.Kind.IsMarkdown() {
			continue // the status and footer: see TestHelperHTMLEscapesModelText
		}
		o := output(u.ID, u.Kind, u.Content)
		if o.Markdown != "" {
			t.Fatalf("an update is sent as text/markdown")
		}
		out := o.HTML
		if bad := checkInert(out, false); len(bad) > 0 {
			t.Fatalf("update %d not inert: %v\n%s", checked, bad, out)
		}
		checked++
	}
	if checked < 1000 {
		t.Errorf("only %d updates checked", checked)
	}
	// Forced cuts close and reopen code blocks, so the outputs may hold a
	// few fence lines more than the answer, never less.
	if got := sink.AnswerMarkdown(); len(got) < len(s) {
		t.Errorf("the answer's Markdown lost text: %d bytes, want %d", len(got), len(s))
	}
}

// The HTML the helpers write around an answer (the thinking preview, the
// collapsed reasoning, the footer note and errors) holds model text only
// escaped.
func TestHelperHTMLEscapesModelText(t *testing.T) {
	for _, e := range hostileCatalogue(t) {
		st := newStreamState(tNow)
		st.apply(sse.Delta{Reasoning: e.Text}, tNow)
		outs := []string{
			thinkingHTML([]byte(e.Text), 3*time.Second),
			thoughtHTML(st),
			ErrorHTML(e.Text, false),
			ErrorHTML(e.Text, true),
		}
		for _, out := range outs {
			if strings.Contains(out, "<"+strings.TrimPrefix(e.Text, "<")) || strings.Contains(out, "__xss") && strings.Contains(out, "<img") {
				t.Errorf("%s: model text not escaped in %s", e.ID, out)
			}
			if bad := checkInert(out, false); !onlyStyles(bad) {
				t.Errorf("%s: not inert: %v\n%s", e.ID, bad, out)
			}
		}
	}
}

// onlyStyles reports whether every finding is one of the helpers' own
// style attributes or layout elements.
func onlyStyles(bad []string) bool {
	for _, b := range bad {
		if !strings.HasPrefix(b, "attribute style=") && b != "element <details>" && b != "element <summary>" &&
			!strings.HasPrefix(b, `attribute role=`) {
			return false
		}
	}
	return true
}
