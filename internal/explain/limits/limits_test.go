package limits

import (
	"strings"
	"testing"
)

func TestSize(t *testing.T) {
	for bytes, want := range map[int64]string{
		1 << 30: "1 GB", 3 << 29: "1.5 GB", 768 << 20: "768 MB", 2 << 30: "2 GB", 1000: "1 MB",
	} {
		if got := Size(bytes); got != want {
			t.Errorf("Size(%d) = %q, want %q", bytes, got, want)
		}
	}
}

func TestMessages(t *testing.T) {
	m := Memory(1 << 30)
	for _, want := range []string{"more memory than each student may use (1 GB)", "stopped", "Your notebook is fine", "run the cell again"} {
		if !strings.Contains(m, want) {
			t.Errorf("Memory: %q lacks %q", m, want)
		}
	}
	if strings.Contains(Memory(0), "()") {
		t.Errorf("Memory(0) = %q", Memory(0))
	}
	p := Tasks(512)
	for _, want := range []string{"(512)", "stopped", "Your notebook is fine", "run the cell again"} {
		if !strings.Contains(p, want) {
			t.Errorf("Tasks: %q lacks %q", p, want)
		}
	}
}
