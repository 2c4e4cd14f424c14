//go:build !unix

package safefile

// openNonBlocking is 0 where there are no FIFOs to block on.
const openNonBlocking = 0
