//go:build unix

package quiz

import "syscall"

// openNonBlocking makes opening a FIFO or a device return at once.
const openNonBlocking = syscall.O_NONBLOCK
