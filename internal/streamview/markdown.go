package streamview

import (
	"bytes"
	"unicode/utf8"
)

// The live view splits a long answer into outputs at Markdown block
// boundaries (findCut), so that finished blocks are sent once and only the
// last output is re-rendered. The split only has to read well: whatever the
// Markdown holds, renderAnswer makes it safe.

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

// segmentMarkdown appends to dst the Markdown for one piece of an answer:
// reopened inside code block f when f is open, and closed again at the end
// when closeFence is open, so that each piece renders on its own as it
// reads in the whole answer.
func segmentMarkdown(dst, seg []byte, f, closeFence fence) []byte {
	if f.open() {
		dst = append(dst, f.opener...)
		dst = append(dst, '\n')
	}
	dst = append(dst, seg...)
	if closeFence.open() {
		if len(dst) > 0 && dst[len(dst)-1] != '\n' {
			dst = append(dst, '\n')
		}
		dst = append(dst, closeFence.closer()...)
		dst = append(dst, '\n')
	}
	return dst
}
