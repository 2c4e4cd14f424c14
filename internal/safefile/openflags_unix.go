//go:build unix

package safefile

import "syscall"

// openNonBlocking makes opening a FIFO or a device return at once.
const openNonBlocking = syscall.O_NONBLOCK
