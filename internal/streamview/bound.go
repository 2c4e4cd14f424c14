package streamview

import "bytes"

// A model writes whatever a prompt makes it write, and some Markdown costs
// goldmark far more than its size: 30,000 nested list markers followed by
// blank lines took 12 s and 5.7 GiB for one 16 KiB update (each blank line
// walks every open container), unclosed links and mismatched emphasis cost
// a time that grows with the square of their number, 25,000 nested block
// quotes make 230 times their size in HTML. Outside code blocks, more than
// two blank lines in a row read as two. boundMarkdown rewrites such text
// before goldmark sees it, so that the work of a render grows in proportion
// to its bytes; ordinary answers pass unchanged. What it escapes still shows,
// as the characters the model wrote.

// Limits of the Markdown that goldmark is given.
const (
	// maxNesting is how many container markers (">" and list markers) one
	// line may open; from the next on, the line is text.
	maxNesting = 12
	// maxIndent is the indentation, in columns, kept before a container
	// marker (nested lists by indentation).
	maxIndent = 40
	// maxRunLen is the longest run of "*", "_" or "~" kept as emphasis.
	maxRunLen = 8
	// Emphasis runs, brackets, "<" and backtick runs kept as Markdown in
	// one block (lines between blank lines); the rest are escaped.
	maxDelimRuns = 256
	maxBrackets  = 256
	maxAngles    = 128
	maxTickRuns  = 128
	// maxCodeSpecial bounds the same characters in a block of a fenced code
	// block, which cannot be escaped (backslashes would show). Past it the
	// piece is shown as plain text, in case goldmark does not read the
	// block as code.
	maxCodeSpecial = 1024
)

// budget counts what one block used of the limits.
type budget struct{ delims, brackets, angles, ticks, code int }

// fenceCtx is the fenced code block boundMarkdown believes open.
type fenceCtx struct {
	f      fence
	quotes int // block quote markers before it
	col    int // column of its fence, after the quote markers
}

// boundMarkdown appends md to dst, rewritten within the limits above. It
// reports plain when the piece should rather be shown as plain text. md's
// line endings are "\n".
func boundMarkdown(dst, md []byte) (out []byte, plain bool) {
	var b budget
	var fc fenceCtx
	blanks := 0
	for len(md) > 0 {
		line := md
		nl := bytes.IndexByte(md, '\n')
		if nl >= 0 {
			line, md = md[:nl], md[nl+1:]
		} else {
			md = nil
		}
		if fc.f.open() {
			var stay bool
			dst, stay = boundCodeLine(dst, line, &fc, &b)
			if b.code > maxCodeSpecial {
				plain = true
			}
			if stay {
				if nl >= 0 {
					dst = append(dst, '\n')
				}
				continue
			}
		}
		if isBlank(line) {
			if blanks++; blanks > 2 {
				continue // more blank lines read as two
			}
		} else {
			blanks = 0
		}
		dst = boundLine(dst, line, &fc, &b)
		if nl >= 0 {
			dst = append(dst, '\n')
		}
	}
	return dst, plain
}

// boundLine appends one line outside code blocks: its container markers
// capped, then its text with the delimiters past the block's budget
// escaped. It opens fc when the line opens a fenced code block.
func boundLine(dst, line []byte, fc *fenceCtx, b *budget) []byte {
	p := scanPrefix(line)
	dst = p.write(dst, line)
	content := line[p.end:]
	if p.cut >= 0 {
		content = line[p.cut+1:]
	}
	if p.blankContent(line) || p.newBlock {
		*b = budget{}
	}
	if p.cut < 0 && p.wsCols <= 3 {
		if f, ok := fenceOpen(content); ok {
			*fc = fenceCtx{f: f, quotes: p.quotes, col: columnsAfterQuotes(line[:p.end], p.quotes)}
			return append(dst, content...)
		}
	}
	if p.hr {
		return append(dst, content...)
	}
	return boundInline(dst, content, b)
}

// boundCodeLine appends a line while a fenced code block seems open: as it
// is, but for the container caps. It reports false, appending nothing, when
// the line is not in the block (its container ended); it closes fc at the
// closing fence.
func boundCodeLine(dst, line []byte, fc *fenceCtx, b *budget) ([]byte, bool) {
	rest, ok := stripQuotes(line, fc.quotes)
	if isBlank(rest) {
		b.code = 0
		return append(dst, line...), true
	}
	if !ok || leadingColumns(rest) < fc.col {
		*fc = fenceCtx{}
		return dst, false
	}
	if fc.f.closes(bytes.TrimLeft(rest, " \t")) {
		*fc = fenceCtx{}
		return append(dst, line...), true
	}
	p := scanPrefix(line)
	dst = p.write(dst, line)
	content := line[p.end:]
	if p.cut >= 0 {
		content = line[p.cut+1:]
	}
	b.code += countSpecial(content)
	return append(dst, content...), true
}

// countSpecial counts the characters and runs that make inline parsing
// costly: brackets, "<", and runs of "*", "_", "~" and "`".
func countSpecial(s []byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '[', ']', '<':
			n++
		case '*', '_', '~', '`':
			if i == 0 || s[i-1] != c {
				n++
			}
		}
	}
	return n
}

// boundInline appends the text of a line, escaping what is past the
// block's budget: every further emphasis run, bracket, "<" and backtick run,
// and any run of "*", "_" or "~" longer than maxRunLen. A character the
// model escaped already stays as it is.
func boundInline(dst, s []byte, b *budget) []byte {
	escaped := false // the previous character is an unescaped backslash
	for i := 0; i < len(s); {
		c := s[i]
		if escaped {
			dst = append(dst, c)
			escaped = false
			i++
			continue
		}
		switch c {
		case '\\':
			escaped = true
		case '*', '_', '~', '`':
			j := i + 1
			for j < len(s) && s[j] == c {
				j++
			}
			dst = boundRun(dst, s[i:j], b)
			i = j
			continue
		case '[', ']':
			dst = escapeIf(dst, c, &b.brackets, maxBrackets)
			i++
			continue
		case '<':
			dst = escapeIf(dst, c, &b.angles, maxAngles)
			i++
			continue
		}
		dst = append(dst, c)
		i++
	}
	return dst
}

// boundRun appends a run of one delimiter character, escaped when it is too
// long or past the block's budget.
func boundRun(dst, run []byte, b *budget) []byte {
	n, limit := &b.delims, maxDelimRuns
	if run[0] == '`' {
		n, limit = &b.ticks, maxTickRuns
	} else if len(run) > maxRunLen {
		n, limit = new(int), 0
	}
	if *n < limit {
		*n++
		return append(dst, run...)
	}
	for _, c := range run {
		dst = append(dst, '\\', c)
	}
	return dst
}

// escapeIf appends c, with a backslash before it once *n reached limit.
func escapeIf(dst []byte, c byte, n *int, limit int) []byte {
	if *n >= limit {
		return append(dst, '\\', c)
	}
	*n++
	return append(dst, c)
}
