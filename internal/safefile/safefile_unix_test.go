//go:build unix

package safefile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadRegularFileRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	path := filepath.Join(dir, "fifo.answers.json")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	inTime(t, func() {
		_, err := ReadRegularFile(root, "fifo.answers.json", 1<<20)
		wantRefused(t, err, path, "FIFO")
	})
	_, err := ReadDirIn(root, "fifo.answers.json")
	wantRefused(t, err, path, "FIFO")
}

// A FIFO swapped in after the check is opened without blocking, and refused.
func TestReadRegularFileSwappedForFIFO(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	path := filepath.Join(dir, "a.answers.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() { testHookAfterLstat = nil }()
	testHookAfterLstat = func(string) {
		os.Remove(path)
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	inTime(t, func() {
		_, err := ReadRegularFile(root, "a.answers.json", 100)
		wantRefused(t, err, path, "replaced")
	})
}
