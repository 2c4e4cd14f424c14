package kernel

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Context is cancelled by SIGINT, as GoNB sends it for the stop button.
func TestContextCancelledBySIGINT(t *testing.T) {
	ctx := Context()
	if ctx.Err() != nil {
		// An earlier run in this process (go test -count=2) used the signal;
		// a second SIGINT would now end the process.
		t.Skip("Context was cancelled by an earlier run of this test")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("not cancelled within a second of SIGINT")
	}
	if Context() != ctx {
		t.Error("Context returned a different context")
	}
}
