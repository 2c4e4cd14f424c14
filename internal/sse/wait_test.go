package sse

import "testing"

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
		if got := parseWaiting([]byte(line)); got != want {
			t.Errorf("parseWaiting(%q) = %d, want %d", line, got, want)
		}
	}
}
