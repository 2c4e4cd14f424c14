//go:build !linux

package streamview

// stdoutDrained reports false: outside Linux a Printer cannot tell when
// GoNB has read its text, so it keeps all of it in one output.
func stdoutDrained() bool { return false }
