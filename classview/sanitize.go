package classview

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The sanitizer of the HTML and Markdown outputs in students' notebooks.
// Everything a student wrote is hostile: the outputs pass through a strict
// allow-list (bluemonday), and what is left is parsed and written again
// (golang.org/x/net/html), so that it is well formed and cannot close or
// reopen the page's own elements. The page's Content-Security-Policy
// (NotebookPolicy) runs nothing even if something got through.

var (
	outputPolicyOnce sync.Once
	outputPolicy     *bluemonday.Policy
)

// Allowed URLs: links to http, https and mailto; images only as data: URLs
// of a PNG or JPEG (checked by dataImageURL).
var (
	linkURL  = regexp.MustCompile(`(?i)^(https?://|mailto:)`)
	imageURL = regexp.MustCompile(`^data:image/(png|jpeg);base64,`)
)

// notebookPolicy returns the allow-list of output HTML: text, lists,
// tables, code; links to http, https and mailto (rel="nofollow noreferrer
// noopener", target="_blank"); images only as data: URLs of a PNG or JPEG.
// No script, style (element or attribute), class, id, form, frame, object,
// base, meta, link or SVG: they and every attribute not named here are
// dropped (the text of a dropped element stays, as text; a script's or a
// style's does not).
func notebookPolicy() *bluemonday.Policy {
	outputPolicyOnce.Do(func() {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span",
			"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code", "kbd", "samp", "var",
			"em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark", "abbr",
			"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
		p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
		p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("th", "td")
		p.AllowAttrs("href").Matching(linkURL).OnElements("a")
		p.AllowAttrs("src").Matching(imageURL).OnElements("img")
		p.AllowAttrs("alt").OnElements("img")
		p.AllowAttrs("title").OnElements("a", "abbr", "img")
		p.AllowURLSchemes("http", "https", "mailto")
		p.AllowURLSchemeWithCustomPolicy("data", dataImageURL)
		p.AllowRelativeURLs(false)
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		outputPolicy = p
	})
	return outputPolicy
}

// dataImageURL allows a data: URL only for a PNG or JPEG image: valid
// base64 of at most maxImageBytes whose bytes start as such an image does.
func dataImageURL(u *url.URL) bool {
	if u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	mime, data, ok := strings.Cut(u.Opaque, ";base64,")
	if !ok || (mime != "image/png" && mime != "image/jpeg") {
		return false
	}
	_, why := dataImage(mime, data)
	return why == ""
}

// Signatures at the start of PNG and JPEG files.
var imageMagic = map[string]string{"image/png": "\x89PNG\r\n\x1a\n", "image/jpeg": "\xff\xd8\xff"}

// dataImage checks the base64 data of an image output (whitespace allowed)
// and returns it as a data: URL, or says why it is not shown.
func dataImage(mime, b64 string) (template.URL, string) {
	b64 = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, b64)
	if base64.StdEncoding.DecodedLen(len(b64)) > maxImageBytes+3 {
		return "", "(an image of over " + sizeText(maxImageBytes) + ", not shown)"
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(raw), imageMagic[mime]) || imageMagic[mime] == "" {
		return "", "(an output of type " + mime + " that is not a valid image, not shown)"
	}
	// Encoded again: the URL holds nothing but what was checked.
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(raw)), ""
}

// sanitizeHTML returns an HTML output made safe: through the allow-list,
// then parsed as the content of a <div> and written again, well formed,
// with headings made paragraphs (the page's own headings stay its outline),
// every image given a text alternative and every link a name.
func sanitizeHTML(s string) template.HTML {
	clean := notebookPolicy().Sanitize(s)
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(clean), ctx)
	if err != nil {
		return template.HTML(template.HTMLEscapeString(clean)) // x/net/html fails only on read errors
	}
	var buf bytes.Buffer
	for _, n := range nodes {
		tidy(n)
		if err := html.Render(&buf, n); err != nil {
			return ""
		}
	}
	return template.HTML(buf.String())
}

// tidy makes the sanitized tree fit the page: headings become bold
// paragraphs, images without alt get one (and images whose address was
// refused become their alt text), links without text show their address.
func tidy(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.DataAtom == atom.Img && attr(c, "src") == "" {
			if alt := strings.TrimSpace(attr(c, "alt")); alt != "" {
				n.InsertBefore(&html.Node{Type: html.TextNode, Data: "(image not shown: " + alt + ")"}, c)
			}
			n.RemoveChild(c)
		} else {
			tidy(c)
		}
		c = next
	}
	if n.Type != html.ElementNode {
		return
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		n.Data, n.DataAtom, n.Attr = "p", atom.P, []html.Attribute{{Key: "class", Val: "out-heading"}}
	case atom.Img:
		if strings.TrimSpace(attr(n, "alt")) == "" {
			n.Attr = append(slices.DeleteFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "alt" }),
				html.Attribute{Key: "alt", Val: "An image in the output"})
		}
	case atom.A:
		if strings.TrimSpace(textOf(n)) == "" && !hasAltImage(n) {
			n.AppendChild(&html.Node{Type: html.TextNode, Data: attr(n, "href")})
		}
	}
}

// attr returns an attribute's value, "" when absent.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the text inside n.
func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

// hasAltImage reports whether n holds an image with a text alternative.
func hasAltImage(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if (c.DataAtom == atom.Img && strings.TrimSpace(attr(c, "alt")) != "") || hasAltImage(c) {
			return true
		}
	}
	return false
}

// outputMarkdown renders Markdown outputs: CommonMark with GitHub's tables
// and strikethrough; raw HTML in it is left out (goldmark's default).
var outputMarkdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// sanitizeMarkdown renders a Markdown output and sanitizes the result as
// HTML.
func sanitizeMarkdown(s string) template.HTML {
	var buf bytes.Buffer
	if err := outputMarkdown.Convert([]byte(s), &buf); err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(s) + "</pre>")
	}
	return sanitizeHTML(buf.String())
}
