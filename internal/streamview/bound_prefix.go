package streamview

import "bytes"

// linePrefix is what scanPrefix found at the start of a line: block quote
// and list markers, with the whitespace around them.
type linePrefix struct {
	end      int  // offset of the line's content
	lead     int  // offset where the leading whitespace ends
	leadCols int  // its width in columns
	wsCols   int  // columns of whitespace just before the content
	quotes   int  // block quote markers
	markers  int  // all container markers
	cut      int  // offset of the first marker past maxNesting (escaped), -1 if none
	newBlock bool // a list item or heading starts here: a new paragraph
	hr       bool // the content is a thematic break
}

// scanPrefix scans the container markers at the start of line, up to
// maxNesting of them.
func scanPrefix(line []byte) linePrefix {
	p := linePrefix{cut: -1}
	i := 0
	for {
		start := i
		cols := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			if line[i] == '\t' {
				cols += 4 - cols%4
			} else {
				cols++
			}
			i++
		}
		if start == 0 {
			p.lead, p.leadCols = i, cols
		}
		p.wsCols, p.end = cols, i
		if i >= len(line) {
			return p
		}
		if isThematicBreak(line[i:]) {
			p.hr = true
			return p
		}
		next, mark, kind := markerAt(line, i)
		if kind == 0 {
			p.newBlock = p.newBlock || isATXHeading(line[i:])
			return p
		}
		if p.markers == maxNesting {
			p.cut = mark
			return p
		}
		p.markers++
		if kind == '>' {
			p.quotes++
		} else if kind == '-' || mark == i+1 && line[i] == '1' {
			// A bullet or "1." interrupts a paragraph; "2." does not.
			p.newBlock = true
		}
		i = next
	}
}

// markerAt reports the container marker at line[i]: the offset after it,
// the offset to escape it at, and its kind ('>', '-' for a bullet, 'o' for
// an ordered item; 0 when there is none).
func markerAt(line []byte, i int) (next, mark int, kind byte) {
	spaceAt := func(j int) bool { return j >= len(line) || line[j] == ' ' || line[j] == '\t' }
	switch c := line[i]; {
	case c == '>':
		return i + 1, i, '>'
	case c == '-' || c == '*' || c == '+':
		if spaceAt(i + 1) {
			return i + 1, i, '-'
		}
	case c >= '0' && c <= '9':
		j := i
		for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j < len(line) && (line[j] == '.' || line[j] == ')') && spaceAt(j+1) {
			return j + 1, j, 'o'
		}
	}
	return i, i, 0
}

// write appends the line's prefix: its leading indentation cut to
// maxIndent before a container marker, and a backslash before the marker
// past maxNesting (the text from there on is appended by the caller).
func (p linePrefix) write(dst, line []byte) []byte {
	end := p.end
	if p.cut >= 0 {
		end = p.cut
	}
	if p.markers > 0 && p.leadCols > maxIndent {
		dst = append(dst, bytes.Repeat([]byte{' '}, maxIndent)...)
		dst = append(dst, line[p.lead:end]...)
	} else {
		dst = append(dst, line[:end]...)
	}
	if p.cut >= 0 {
		dst = append(dst, '\\', line[p.cut])
	}
	return dst
}

// blankContent reports whether the line holds nothing after its prefix.
func (p linePrefix) blankContent(line []byte) bool { return p.cut < 0 && p.end >= len(line) }

// isATXHeading reports whether s starts with a heading's 1 to 6 "#" and a
// space or the line's end.
func isATXHeading(s []byte) bool {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (n == len(s) || s[n] == ' ' || s[n] == '\t')
}

// isThematicBreak reports whether s is a thematic break: three or more of
// one of "-", "*", "_", with only spaces or tabs besides.
func isThematicBreak(s []byte) bool {
	var c byte
	n := 0
	for _, x := range s {
		switch {
		case x == ' ' || x == '\t':
		case c == 0 && (x == '-' || x == '*' || x == '_'):
			c, n = x, 1
		case x == c:
			n++
		default:
			return false
		}
	}
	return n >= 3
}

// stripQuotes returns line after n block quote markers (each with one
// space after it, if any), and whether it had them.
func stripQuotes(line []byte, n int) ([]byte, bool) {
	for ; n > 0; n-- {
		t := bytes.TrimLeft(line, " \t")
		if len(t) == 0 || t[0] != '>' {
			return line, false
		}
		line = t[1:]
		if len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
	}
	return line, true
}

// columnsAfterQuotes is the width in columns of prefix after its first n
// block quote markers.
func columnsAfterQuotes(prefix []byte, n int) int {
	rest, _ := stripQuotes(prefix, n)
	return columns(rest)
}

// leadingColumns is the width in columns of s's leading whitespace.
func leadingColumns(s []byte) int {
	return columns(s[:len(s)-len(bytes.TrimLeft(s, " \t"))])
}

// columns is the width of s in columns, tabs stopping every 4.
func columns(s []byte) int {
	c := 0
	for _, x := range s {
		if x == '\t' {
			c += 4 - c%4
		} else {
			c++
		}
	}
	return c
}
