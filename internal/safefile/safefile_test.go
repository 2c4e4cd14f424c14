package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openRoot opens dir as an os.Root for the test.
func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// wantRefused fails unless err is a *RefusedError naming path and saying want.
func wantRefused(t *testing.T, err error, path, want string) {
	t.Helper()
	var r *RefusedError
	if !errors.As(err, &r) {
		t.Fatalf("error %v (%T), want a *RefusedError", err, err)
	}
	if r.Path != path || !strings.Contains(r.Reason, want) || !strings.Contains(err.Error(), path) {
		t.Errorf("refused %q: %q, want %q: ...%s...", r.Path, r.Reason, path, want)
	}
}

// inTime fails the test if f does not return within 10 seconds: reading a
// FIFO or /dev/zero must never block or run forever.
func inTime(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("blocked: still reading after 10s")
	}
}

func TestReadRegularFileLimit(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "ok"), []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := ReadRegularFile(root, "ok", 5)
	if err != nil || string(data) != "12345" {
		t.Fatalf("a file of exactly the limit: %q, %v", data, err)
	}
	_, err = ReadRegularFile(root, "ok", 4)
	wantRefused(t, err, filepath.Join(dir, "ok"), "5 bytes, over the limit of 4 bytes")

	big := strings.Repeat(" ", 1<<20) + "{}"
	if err := os.WriteFile(filepath.Join(dir, "big.answers.json"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadRegularFile(root, "big.answers.json", 1<<20)
	wantRefused(t, err, filepath.Join(dir, "big.answers.json"), "over the limit of 1 MiB")
}

func TestReadRegularFileRefusesLinksAndFolders(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.answers.json")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	inTime(t, func() {
		_, err := ReadRegularFile(root, "zero.answers.json", 1<<20)
		wantRefused(t, err, filepath.Join(dir, "zero.answers.json"), "symbolic link")
	})
	// A link to a regular file inside the root is refused too.
	if err := os.WriteFile(filepath.Join(dir, "real.answers.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.answers.json", filepath.Join(dir, "link.answers.json")); err != nil {
		t.Fatal(err)
	}
	_, err := ReadRegularFile(root, "link.answers.json", 1<<20)
	wantRefused(t, err, filepath.Join(dir, "link.answers.json"), "symbolic link")

	if err := os.Mkdir(filepath.Join(dir, "d.answers.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = ReadRegularFile(root, "d.answers.json", 1<<20)
	wantRefused(t, err, filepath.Join(dir, "d.answers.json"), "folder")
}

func TestReadRegularFileStaysInRoot(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x.answers.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "student")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	root := openRoot(t, dir)
	if _, err := ReadRegularFile(root, filepath.Join("student", "x.answers.json"), 1<<20); err == nil {
		t.Error("read a file outside the root through a linked folder")
	}
	if _, err := ReadRegularFile(root, filepath.Join("..", filepath.Base(outside), "x.answers.json"), 1<<20); err == nil {
		t.Error("read a file outside the root through ..")
	}
	_, err := ReadDirIn(root, "student")
	wantRefused(t, err, filepath.Join(dir, "student"), "symbolic link")
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadDirIn(root, "file")
	wantRefused(t, err, filepath.Join(dir, "file"), "it is a file, not a folder")
}

func TestReadRegularFileReplacedOrGrown(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	path := filepath.Join(dir, "a.answers.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	defer func() { testHookAfterLstat, testHookAfterOpen = nil, nil }()

	// Swapped for another (regular, small) file after the check.
	write("{}")
	testHookAfterLstat = func(string) {
		// A new file renamed over the old (so it cannot reuse its inode).
		other := filepath.Join(dir, "other")
		if err := os.WriteFile(other, []byte(`{"answers": {}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(other, path); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ReadRegularFile(root, "a.answers.json", 100)
	wantRefused(t, err, path, "replaced")

	// Grown after the check: at most limit+1 bytes are read.
	testHookAfterLstat = nil
	write("{}")
	testHookAfterOpen = func(string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(strings.Repeat(" ", 200))
		f.Close()
	}
	_, err = ReadRegularFile(root, "a.answers.json", 100)
	wantRefused(t, err, path, "grew over 100 bytes")
}

func TestReadDirInSorted(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"c", "a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := ReadDirIn(openRoot(t, dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("entries %v", names)
	}
}

func TestReadDirInLimit(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	if entries, more, err := ReadDirInLimit(root, ".", 3); err != nil || len(entries) != 0 || more {
		t.Fatalf("an empty folder: %v %v %v", entries, more, err)
	}
	for _, n := range []string{"e", "d", "c", "a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if entries, more, err := ReadDirInLimit(root, ".", 5); err != nil || len(entries) != 5 || more {
		t.Errorf("exactly the limit: %d entries, more %v, %v", len(entries), more, err)
	}
	entries, more, err := ReadDirInLimit(root, ".", 3)
	if err != nil || len(entries) != 3 || !more {
		t.Errorf("over the limit: %d entries, more %v, %v", len(entries), more, err)
	}
	mustLink(t, dir, filepath.Join(dir, "link"))
	_, _, err = ReadDirInLimit(root, "link", 3)
	wantRefused(t, err, filepath.Join(dir, "link"), "symbolic link")
}

func TestOpenRegularFileCheck(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRegularFile(root, "f", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = OpenRegularFile(root, "f", func(info os.FileInfo) string {
		if info.Size() == 5 {
			return "not this one"
		}
		return ""
	})
	wantRefused(t, err, filepath.Join(dir, "f"), "not this one")
	mustLink(t, filepath.Join(dir, "f"), filepath.Join(dir, "l"))
	_, err = OpenRegularFile(root, "l", nil)
	wantRefused(t, err, filepath.Join(dir, "l"), "symbolic link")
}

func mustLink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
}
