package classapi

import (
	"bytes"
	"strconv"
	"testing"
)

func TestParseWaiting(t *testing.T) {
	cases := map[string]int{
		": waiting for a free turn, 3 ahead":  3,
		": waiting for a free turn, 0 ahead":  0,
		": waiting for a free turn, 12 ahead": 12,
		": waiting for a free turn, x ahead":  -1,
		": waiting for a free turn, 3":        -1,
		": OPENROUTER PROCESSING":             -1,
		": waiting for a free turn,  ahead":   -1,
	}
	for line, want := range cases {
		if got := ParseWaiting([]byte(line)); got != want {
			t.Errorf("ParseWaiting(%q) = %d, want %d", line, got, want)
		}
	}
}

func TestWaitingCommentParses(t *testing.T) {
	for _, n := range []int{0, 1, 12, 999999} {
		c := WaitingComment(n)
		if want := ": waiting for a free turn, " + strconv.Itoa(n) + " ahead\n\n"; string(c) != want {
			t.Errorf("WaitingComment(%d) = %q, want %q", n, c, want)
		}
		if got := ParseWaiting(bytes.TrimSuffix(c, []byte("\n\n"))); got != n {
			t.Errorf("ParseWaiting(WaitingComment(%d)) = %d", n, got)
		}
	}
}

func TestErrorJSON(t *testing.T) {
	got := string(ErrorJSON(429, TypePerDay, "No more <today> & tomorrow"))
	want := `{"error":{"message":"No more <today> & tomorrow","type":"requests_per_day","code":429}}`
	if got != want {
		t.Errorf("ErrorJSON = %s, want %s", got, want)
	}
}
