package kernel

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// How long stdoutRead waits for GoNB to read standard output, and the
// margin it leaves after.
const (
	stdoutReadWait = 20 * time.Millisecond
	stdoutMargin   = time.Millisecond
)

// stdoutRead waits, for at most stdoutReadWait, until the bytes written to
// standard output were read from it, and reports whether they were. In a
// notebook, standard output is a pipe that GoNB reads and passes on as it
// reads (one stream message per read); the number of unread bytes in a pipe
// is its FIONREAD (TIOCINQ). It reports false when it cannot tell (the file
// has no FIONREAD).
func stdoutRead() bool {
	rc, err := os.Stdout.SyscallConn()
	if err != nil {
		return false
	}
	deadline := time.Now().Add(stdoutReadWait)
	for {
		n, ierr := 0, error(nil)
		if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCINQ) }); err != nil || ierr != nil {
			return false
		}
		if n == 0 {
			// Read. GoNB's reader passes it on at once, while what is
			// sent next through gonbui's pipe has further to go; the
			// margin covers a reader held up between the two.
			time.Sleep(stdoutMargin)
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Microsecond)
	}
}
