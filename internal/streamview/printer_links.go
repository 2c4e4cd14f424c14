package streamview

import "bytes"

// JupyterLab turns text in a cell's output into links: anything that looks
// like scheme://… (javascript:// too) and data:…. A Printer shows a model's
// text, so it defuses every such link except http and https: it puts an
// invisible WORD JOINER (U+2060) before the colon, which keeps the text as it
// reads but stops the match.

// wordJoiner is U+2060, invisible and without width.
const wordJoiner = "\u2060"

// linkGuard rewrites text on its way to the output; see above. It keeps the
// end of what it already wrote, to see a scheme cut off by a write.
type linkGuard struct {
	prev []byte // the last bytes written, at most guardHistory
}

const guardHistory = 64

// schemeByte reports whether c can be part of a URL scheme.
func schemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '.' || c == '-'
}

// rewrite appends to dst the text of src with links defused, and returns it
// with the number of bytes of src it held back: a ':' or ":/" at the end,
// which the next bytes decide. With final set, nothing is held back.
func (g *linkGuard) rewrite(dst, src []byte, final bool) ([]byte, int) {
	start := len(dst)
	done := 0
	for i := 0; i < len(src); i++ {
		if src[i] != ':' {
			continue
		}
		rest := src[i+1:]
		if !final && len(rest) < 2 && bytes.HasPrefix([]byte("//"), rest) && !g.endsWithData(src[:i]) {
			dst = append(dst, src[done:i]...)
			g.remember(dst[start:])
			return dst, len(src) - i
		}
		if g.endsWithData(src[:i]) || bytes.HasPrefix(rest, []byte("//")) && !g.webScheme(src[:i]) {
			dst = append(dst, src[done:i]...)
			dst = append(dst, wordJoiner...)
			done = i
		}
	}
	dst = append(dst, src[done:]...)
	g.remember(dst[start:])
	return dst, 0
}

// scheme returns the run of scheme bytes that ends where before ends, with
// the remembered history in front of it (at most guardHistory bytes).
func (g *linkGuard) scheme(before []byte) []byte {
	j := len(before)
	for j > 0 && schemeByte(before[j-1]) && len(before)-j < guardHistory {
		j--
	}
	run := before[j:]
	if j > 0 {
		return run
	}
	k := len(g.prev)
	for k > 0 && schemeByte(g.prev[k-1]) {
		k--
	}
	return append(append([]byte(nil), g.prev[k:]...), run...)
}

// endsWithData reports whether the text before a colon ends with "data",
// which JupyterLab links whatever comes before it.
func (g *linkGuard) endsWithData(before []byte) bool {
	s := g.scheme(before)
	return len(s) >= 4 && bytes.EqualFold(s[len(s)-4:], []byte("data"))
}

// webScheme reports whether the text before a colon is exactly http or https.
func (g *linkGuard) webScheme(before []byte) bool {
	s := g.scheme(before)
	return bytes.EqualFold(s, []byte("http")) || bytes.EqualFold(s, []byte("https"))
}

// remember keeps the end of the text written.
func (g *linkGuard) remember(out []byte) {
	g.prev = append(g.prev, out...)
	if len(g.prev) > guardHistory {
		g.prev = append(g.prev[:0], g.prev[len(g.prev)-guardHistory:]...)
	}
}
