//go:build !linux

package kernel

// stdoutRead reports false: outside Linux the program cannot tell when GoNB
// has read its standard output, so EndText does nothing.
func stdoutRead() bool { return false }
