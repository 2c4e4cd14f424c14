package offline

import (
	"regexp"
	"strconv"
	"time"
)

// BenchParagraph is how often a bench-mode token starts a new paragraph:
// token i is preceded by "\n\n" instead of " " when i > 0 and i is a multiple
// of BenchParagraph.
const BenchParagraph = 40

// BenchPattern matches one bench-mode marker, "⟦<sequence>|<unix µs>⟧",
// capturing the sequence number and the send time in unix microseconds. It
// has the same meaning as a JavaScript RegExp.
const BenchPattern = `⟦(\d+)\|(\d+)⟧`

var benchRE = regexp.MustCompile(BenchPattern)

// BenchMarker is one bench-mode token read back from text.
type BenchMarker struct {
	// Seq is the token's sequence number, from 0.
	Seq int
	// Sent is when the server sent the token.
	Sent time.Time
}

// BenchToken returns bench-mode token seq, stamped with the send time sent.
func BenchToken(seq int, sent time.Time) string {
	b := make([]byte, 0, 32)
	if seq > 0 && seq%BenchParagraph == 0 {
		b = append(b, "\n\n"...)
	} else {
		b = append(b, ' ')
	}
	b = append(b, "⟦"...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, sent.UnixMicro(), 10)
	b = append(b, "⟧"...)
	return string(b)
}

// ParseBenchMarkers returns the bench-mode markers in text, in order.
func ParseBenchMarkers(text string) []BenchMarker {
	var out []BenchMarker
	for _, m := range benchRE.FindAllStringSubmatch(text, -1) {
		seq, err1 := strconv.Atoi(m[1])
		us, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, BenchMarker{Seq: seq, Sent: time.UnixMicro(us)})
	}
	return out
}
