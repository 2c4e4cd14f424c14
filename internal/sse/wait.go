package sse

import "bytes"

// waitingPrefix starts the class relay's queue comments; the whole line is
// ": waiting for a free turn, N ahead" (see relay/doc.go).
var waitingPrefix = []byte(": waiting for a free turn, ")

// parseWaiting returns N from a queue comment, or -1 for any other line.
func parseWaiting(line []byte) int {
	rest, ok := bytes.CutPrefix(line, waitingPrefix)
	if !ok {
		return -1
	}
	digits, ok := bytes.CutSuffix(rest, []byte(" ahead"))
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
