package streamview

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// RemoteImages turns on images in a model's answer. When false (the
// default), an image in an answer shows as a link with its description, so
// that a model cannot make the student's browser fetch an address it chose.
// A teacher may set it to true in a cell: even then only http and https
// images are shown.
var RemoteImages atomic.Bool

// inertClass marks every HTML output of the helpers: MathJax, which
// JupyterLab runs over HTML outputs too, leaves text inside it alone, so a
// "$" in an answer stays a dollar sign.
const inertClass = "mathjax_ignore tex2jax_ignore"

// The Markdown renderer: CommonMark with GitHub's tables, strikethrough and
// bare links. Raw HTML in the Markdown is shown as text (see inertRenderer).
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(
		renderer.WithNodeRenderers(util.Prioritized(inertRenderer{}, 100)),
	),
)

var (
	policyOnce             sync.Once
	policyText, policyImgs *bluemonday.Policy
)

// answerPolicy returns the allow-list that every rendered answer passes
// through: the elements goldmark writes for Markdown, links to http, https
// and mailto only, and images only when RemoteImages is on. Anything else,
// and every attribute not named here, is dropped.
func answerPolicy() *bluemonday.Policy {
	policyOnce.Do(func() {
		policyText, policyImgs = newAnswerPolicy(false), newAnswerPolicy(true)
	})
	if RemoteImages.Load() {
		return policyImgs
	}
	return policyText
}

func newAnswerPolicy(images bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "blockquote", "pre", "code", "em", "strong", "del",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	if images {
		p.AllowAttrs("src", "alt", "title").OnElements("img")
	}
	return p
}

// renderAnswer appends to dst the safe HTML for Markdown text written by a
// model: boundMarkdown caps what would make goldmark slow, goldmark renders
// it within a budget (raw HTML becomes visible text), then the answer policy
// removes whatever is not allowed. A piece that is past the budget shows as
// plain text with a short note (renderNote). The result is wrapped in an
// element that MathJax skips.
func renderAnswer(dst []byte, md []byte) []byte {
	md = normaliseNewlines(md)
	dst = append(dst, `<div class="`+inertClass+`">`...)
	src, plain := boundMarkdown(make([]byte, 0, len(md)+len(md)/16+16), md)
	if !plain {
		if html, ok := renderBounded(src); ok {
			dst = appendGT(dst, answerPolicy().SanitizeReader(html).Bytes())
			return append(dst, "</div>"...)
		}
	}
	start := len(dst)
	dst = appendPlainAnswer(dst, md, renderNote)
	dst = append(dst[:start], bytes.ReplaceAll(dst[start:], escapedGT, []byte(">"))...)
	return append(dst, "</div>"...)
}

// escapedGT is ">" as the sanitizer and EscapeHTML write it.
var escapedGT = []byte("&gt;")

// appendGT appends html with each "&gt;" written as ">": HTML needs only "<" and "&"
// escaped in text and neither inside quoted attributes, and an answer of block
// quotes or arrows would otherwise send four bytes for each of its ">".
func appendGT(dst, html []byte) []byte {
	for {
		i := bytes.Index(html, escapedGT)
		if i < 0 {
			return append(dst, html...)
		}
		dst = append(append(dst, html[:i]...), '>')
		html = html[i+len(escapedGT):]
	}
}

// Notes that say why a piece of an answer shows as plain text.
const (
	renderNote  = "(shown as plain text: too complex to format)"
	stoppedNote = "(shown as plain text: the answer was stopped before all of it was formatted)"
)

// The render budget: a piece whose syntax tree is deeper or larger than
// this, or whose HTML is longer, is shown as plain text. boundMarkdown keeps
// ordinary and pathological answers well within it; it is the last guard.
var (
	renderMaxDepth = 300
	// renderMaxNodes returns the most syntax tree nodes a piece of n bytes may have.
	renderMaxNodes = func(n int) int { return n + 64 }
	// renderMaxHTML returns the most HTML goldmark may write for n bytes.
	renderMaxHTML = func(n int) int { return 8*n + 4096 }
)

// renderBounded renders src with goldmark within the render budget, and
// reports false when it is past it.
func renderBounded(src []byte) (*bytes.Buffer, bool) {
	doc := markdown.Parser().Parse(text.NewReader(src))
	if !withinTree(doc, renderMaxDepth, renderMaxNodes(len(src))) {
		return nil, false
	}
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/4)
	if err := markdown.Renderer().Render(&buf, src, doc); err != nil || buf.Len() > renderMaxHTML(len(src)) {
		// goldmark fails only when writing fails, which a bytes.Buffer
		// does not.
		return nil, false
	}
	return &buf, true
}

// withinTree reports whether the tree under n is at most maxDepth deep and
// has at most maxNodes nodes.
func withinTree(n ast.Node, maxDepth, maxNodes int) bool {
	nodes, depth := 0, 0
	for c := n; c != nil; {
		nodes++
		if nodes > maxNodes || depth > maxDepth {
			return false
		}
		if c.FirstChild() != nil {
			c, depth = c.FirstChild(), depth+1
			continue
		}
		for c != n && c.NextSibling() == nil {
			c, depth = c.Parent(), depth-1
		}
		if c == n {
			break
		}
		c = c.NextSibling()
	}
	return true
}

// appendPlainAnswer appends md as escaped text in a paragraph, line breaks
// kept (at most one blank line in a row), after note.
func appendPlainAnswer(dst, md []byte, note string) []byte {
	dst = append(dst, "<p><em>"...)
	dst = append(dst, note...)
	dst = append(dst, "</em></p><p>"...)
	newlines := 0
	for len(md) > 0 {
		i := bytes.IndexByte(md, '\n')
		if i < 0 {
			i = len(md)
		}
		if i == 0 {
			newlines++
		} else {
			newlines = 0
		}
		dst = append(dst, util.EscapeHTML(md[:i])...)
		if i < len(md) && newlines < 2 {
			dst = append(dst, "<br>"...)
		}
		md = md[min(i+1, len(md)):]
	}
	return append(dst, "</p>"...)
}

// normaliseNewlines returns md with "\r\n" and lone "\r" line endings made
// "\n", and NUL made U+FFFD, as CommonMark reads them. It returns md itself
// when there is nothing to change.
func normaliseNewlines(md []byte) []byte {
	if bytes.IndexByte(md, '\r') < 0 && bytes.IndexByte(md, 0) < 0 {
		return md
	}
	out := make([]byte, 0, len(md)+8)
	for i := 0; i < len(md); i++ {
		switch c := md[i]; c {
		case '\r':
			out = append(out, '\n')
			if i+1 < len(md) && md[i+1] == '\n' {
				i++
			}
		case 0:
			out = append(out, "\uFFFD"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// inertRenderer replaces goldmark's renderers for raw HTML and images:
// raw HTML in the Markdown is shown as the text it is, and an image becomes
// a link to it (or, with RemoteImages on, an image the policy checks).
type inertRenderer struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (inertRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTMLAsText)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlockAsText)
	reg.Register(ast.KindImage, renderImageSafely)
}

func renderRawHTMLAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		segs := node.(*ast.RawHTML).Segments
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
		}
	}
	return ast.WalkSkipChildren, nil
}

func renderHTMLBlockAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.HTMLBlock)
	_, _ = w.WriteString("<pre><code>")
	for i := 0; i < n.Lines().Len(); i++ {
		line := n.Lines().At(i)
		_, _ = w.Write(util.EscapeHTML(line.Value(source)))
	}
	if n.HasClosure() {
		closure := n.ClosureLine
		_, _ = w.Write(util.EscapeHTML(closure.Value(source)))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}

func renderImageSafely(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.Image)
	alt := util.EscapeHTML(plainText(nil, source, n))
	dest := util.EscapeHTML(util.URLEscape(n.Destination, true))
	if RemoteImages.Load() && isWebURL(n.Destination) {
		_, _ = w.WriteString(`<img src="`)
		_, _ = w.Write(dest)
		_, _ = w.WriteString(`" alt="`)
		_, _ = w.Write(alt)
		_, _ = w.WriteString(`">`)
		return ast.WalkSkipChildren, nil
	}
	// A link the policy keeps only for http, https and mailto addresses;
	// otherwise the description stays as text.
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(dest)
	_, _ = w.WriteString(`">🖼 `)
	if len(alt) == 0 {
		alt = []byte("image")
	}
	_, _ = w.Write(alt)
	_, _ = w.WriteString(`</a>`)
	return ast.WalkSkipChildren, nil
}

// plainText appends the text of n's descendants to dst, without markup.
func plainText(dst, source []byte, n ast.Node) []byte {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			dst = append(dst, t.Segment.Value(source)...)
		case *ast.String:
			dst = append(dst, t.Value...)
		default:
			dst = plainText(dst, source, c)
		}
	}
	return dst
}

// isWebURL reports whether u starts with http:// or https://.
func isWebURL(u []byte) bool {
	s := strings.ToLower(string(u[:min(len(u), 8)]))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
