package classapi

import (
	"bytes"
	"strconv"
)

// waitingPrefix and waitingSuffix surround N in the waiting comment.
const (
	waitingPrefix = ": waiting for a free turn, "
	waitingSuffix = " ahead"
)

// WaitingComment returns the SSE comment the relay writes to a stream that
// waits for its turn, with the blank line that ends it:
// ": waiting for a free turn, N ahead\n\n". Clients that ignore SSE
// comments (go-openai) are not disturbed; the helpers show it.
func WaitingComment(ahead int) []byte {
	b := append([]byte(waitingPrefix), strconv.Itoa(ahead)...)
	return append(b, waitingSuffix+"\n\n"...)
}

// ParseWaiting returns N from one line of a waiting comment (without its
// line end), or -1 for any other line.
func ParseWaiting(line []byte) int {
	rest, ok := bytes.CutPrefix(line, []byte(waitingPrefix))
	if !ok {
		return -1
	}
	digits, ok := bytes.CutSuffix(rest, []byte(waitingSuffix))
	if !ok || len(digits) == 0 || len(digits) > 6 {
		return -1
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
