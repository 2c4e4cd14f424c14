package helpers

import (
	"bytes"
	"unicode/utf8"
)

// fence is an open fenced code block (``` or ~~~); the zero value means none.
type fence struct {
	char   byte   // '`' or '~'
	n      int    // length of the opening run
	opener string // the opening line, to reopen the block after a split
}

// open reports whether f is an open code block.
func (f fence) open() bool { return f.n > 0 }

// fenceOpen reports whether line opens a fenced code block: up to three
// spaces, then three or more backticks or tildes (a backtick fence's info
// string has no backticks).
func fenceOpen(line []byte) (fence, bool) {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	if i >= len(line) || line[i] != '`' && line[i] != '~' {
		return fence{}, false
	}
	c := line[i]
	j := i
	for j < len(line) && line[j] == c {
		j++
	}
	if j-i < 3 {
		return fence{}, false
	}
	if c == '`' && bytes.IndexByte(line[j:], '`') >= 0 {
		return fence{}, false
	}
	return fence{char: c, n: j - i, opener: string(bytes.TrimRight(line, " \r"))}, true
}

// closes reports whether line closes f.
func (f fence) closes(line []byte) bool {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	j := i
	for j < len(line) && line[j] == f.char {
		j++
	}
	return j-i >= f.n && len(bytes.TrimSpace(line[j:])) == 0
}

// closer returns the line that closes f.
func (f fence) closer() string { return string(bytes.Repeat([]byte{f.char}, f.n)) }

// isBlank reports whether a line holds only spaces and tabs.
func isBlank(line []byte) bool { return len(bytes.Trim(line, " \t\r")) == 0 }

// findCut looks in the unsent text of an answer for where to split off
// finished Markdown blocks, so they can be sent once and only the rest is
// re-rendered. tail starts at a block start, inside the code block f if f is
// open. It returns the offset of the last block boundary at or before max (a
// line that starts, unindented, after a blank line outside code blocks),
// with the code block open there; or, when tail is longer than max and has no
// such boundary, a forced cut at the last line start (else space, else
// character) at or before max. It returns 0 when tail should stay whole.
// Only the first max bytes (and one line) are scanned.
func findCut(tail []byte, f fence, max int) (int, fence) {
	best, bestF := 0, fence{}
	lineCut, lineF := 0, fence{}
	cur := f
	prevBlank := false
	for pos := 0; pos < len(tail) && pos <= max; {
		if pos > 0 {
			lineCut, lineF = pos, cur
			if !cur.open() && prevBlank {
				if c := tail[pos]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
					best, bestF = pos, cur
				}
			}
		}
		end := bytes.IndexByte(tail[pos:], '\n')
		if end < 0 {
			break
		}
		line := tail[pos : pos+end]
		switch {
		case cur.open():
			if cur.closes(line) {
				cur = fence{}
			}
			prevBlank = false
		default:
			if nf, ok := fenceOpen(line); ok {
				cur = nf
				prevBlank = false
			} else {
				prevBlank = isBlank(line)
			}
		}
		pos += end + 1
	}
	if best > 0 {
		return best, bestF
	}
	if len(tail) <= max {
		return 0, f
	}
	if lineCut > 0 {
		return lineCut, lineF
	}
	// The first line alone is longer than max.
	if i := bytes.LastIndexByte(tail[:max], ' '); i > 0 {
		return i + 1, f
	}
	c := max
	for c > 0 && !utf8.RuneStart(tail[c]) {
		c--
	}
	if c == 0 {
		c = max
	}
	return c, f
}

// renderMarkdown appends to dst the Markdown for one piece of an answer:
// reopened inside code block f when f is open, closed again at the end when
// closeFence is open, with dollar signs and HTML escaped (see
// escapeMarkdown).
func renderMarkdown(dst, seg []byte, f, closeFence fence) []byte {
	if f.open() {
		dst = append(dst, f.opener...)
		dst = append(dst, '\n')
	}
	dst = escapeMarkdownFrom(dst, seg, f)
	if closeFence.open() {
		if len(dst) > 0 && dst[len(dst)-1] != '\n' {
			dst = append(dst, '\n')
		}
		dst = append(dst, closeFence.closer()...)
		dst = append(dst, '\n')
	}
	return dst
}

// escapeMarkdown appends src to dst with every "$" outside code escaped as
// "\$", so JupyterLab does not typeset money amounts as math, and every "<"
// outside code that does not start an autolink escaped as "\<", so model
// text cannot inject HTML. Fenced code blocks and code spans are copied as
// they are.
func escapeMarkdown(dst, src []byte) []byte {
	return escapeMarkdownFrom(dst, src, fence{})
}

// escapeMarkdownFrom is escapeMarkdown for text that starts inside the code
// block f when f is open.
func escapeMarkdownFrom(dst, src []byte, f fence) []byte {
	textStart := -1 // start of the run of text lines being collected
	for pos := 0; pos < len(src); {
		end := bytes.IndexByte(src[pos:], '\n')
		next := len(src)
		if end >= 0 {
			next = pos + end + 1
		}
		line := src[pos:next]
		body := bytes.TrimRight(line, "\n")
		switch {
		case f.open():
			dst = append(dst, line...)
			if f.closes(body) {
				f = fence{}
			}
		default:
			if nf, ok := fenceOpen(body); ok {
				if textStart >= 0 {
					dst = escapeText(dst, src[textStart:pos])
					textStart = -1
				}
				f = nf
				dst = append(dst, line...)
			} else if textStart < 0 {
				textStart = pos
			}
		}
		pos = next
	}
	if textStart >= 0 {
		dst = escapeText(dst, src[textStart:])
	}
	return dst
}

var autolinkSchemes = [][]byte{[]byte("http://"), []byte("https://"), []byte("mailto:")}

// escapeText escapes text outside fenced code blocks; see escapeMarkdown.
func escapeText(dst, s []byte) []byte {
	paraEnd := -1 // end of the paragraph holding i, found when needed
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '`' && s[j] != '\\' && s[j] != '$' && s[j] != '<' {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		i = j
		switch s[i] {
		case '\\':
			// An escape: copy it and the character it escapes.
			n := 1
			if i+1 < len(s) {
				_, size := utf8.DecodeRune(s[i+1:])
				n += size
			}
			dst = append(dst, s[i:i+n]...)
			i += n
		case '$':
			dst = append(dst, '\\', '$')
			i++
		case '<':
			if k := autolinkEnd(s[i:]); k > 0 {
				dst = append(dst, s[i:i+k]...)
				i += k
			} else {
				dst = append(dst, '\\', '<')
				i++
			}
		case '`':
			n := 0
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			if paraEnd < i {
				paraEnd = paragraphEnd(s, i)
			}
			if k := closingRun(s[i+n:paraEnd], n); k >= 0 {
				// A code span: copy it unchanged.
				dst = append(dst, s[i:i+n+k+n]...)
				i += n + k + n
			} else {
				dst = append(dst, s[i:i+n]...)
				i += n
			}
		}
	}
	return dst
}

// autolinkEnd returns the length of an autolink such as <https://x.org> at
// the start of s, or 0.
func autolinkEnd(s []byte) int {
	k := bytes.IndexByte(s, '>')
	if k < 2 {
		return 0
	}
	inner := s[1:k]
	if bytes.ContainsAny(inner, " \t\n<") {
		return 0
	}
	for _, scheme := range autolinkSchemes {
		if len(inner) > len(scheme) && bytes.EqualFold(inner[:len(scheme)], scheme) {
			return k + 1
		}
	}
	return 0
}

// closingRun returns the offset in s of a run of exactly n backticks, or -1.
func closingRun(s []byte, n int) int {
	for j := 0; j < len(s); {
		k := bytes.IndexByte(s[j:], '`')
		if k < 0 {
			return -1
		}
		j += k
		m := j
		for m < len(s) && s[m] == '`' {
			m++
		}
		if m-j == n {
			return j
		}
		j = m
	}
	return -1
}

// paragraphEnd returns the offset of the first blank line after i in s, or
// len(s): code spans do not cross paragraphs.
func paragraphEnd(s []byte, i int) int {
	for {
		k := bytes.IndexByte(s[i:], '\n')
		if k < 0 {
			return len(s)
		}
		i += k + 1
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
			j++
		}
		if j < len(s) && s[j] == '\n' || j == len(s) && j > i {
			return i
		}
		if j == len(s) {
			return len(s)
		}
	}
}
