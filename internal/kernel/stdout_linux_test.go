package kernel

import (
	"os"
	"testing"
)

// stdoutRead tells whether what was written to standard output, a pipe as in
// GoNB, has been read from it: not while the bytes wait in the pipe, yes once
// the reader took them; and no when it cannot be told.
func TestStdoutRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	saved := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = saved }()

	if !stdoutRead() {
		t.Error("an empty pipe: not read")
	}
	w.WriteString("a line of an answer\n")
	if stdoutRead() {
		t.Error("bytes waiting in the pipe: reported read")
	}
	buf := make([]byte, 64)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	if !stdoutRead() {
		t.Error("after the reader took the bytes: not read")
	}

	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	os.Stdout = null // a device without FIONREAD
	if stdoutRead() {
		t.Error("/dev/null: reported read")
	}
}
