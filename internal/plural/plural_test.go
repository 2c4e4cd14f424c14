package plural

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 notebooks", 1: "1 notebook", 2: "2 notebooks", 12: "12 notebooks"} {
		if got := Count(n, "notebook"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
