// Package kernel is the one place that talks to the GoNB kernel: it shows
// outputs in the notebook, waits until they are passed on, and makes ids.
// Every other package of the lessons goes through it, so that the GoNB
// library (gonbui) can be replaced here alone.
package kernel

import (
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Environment variables GoNB sets for a cell's program.
const (
	// KernelIDEnv holds the Jupyter kernel's id.
	KernelIDEnv = protocol.GONB_JUPYTER_KERNEL_ID_ENV
	// JupyterRootEnv holds the Jupyter server's working folder, normally its
	// root.
	JupyterRootEnv = protocol.GONB_JUPYTER_ROOT_ENV
)

// InNotebook reports whether the program runs as a cell of a GoNB notebook.
func InNotebook() bool { return gonbui.IsNotebook }

// Output is one output of a cell, in one or more forms. Empty forms are left
// out.
type Output struct {
	// ID, when set, names the output: showing another Output with the same
	// ID replaces its content instead of adding an output below.
	ID string
	// HTML is the text/html form.
	HTML string
	// Markdown is the text/markdown form.
	Markdown string
	// Text is the text/plain form.
	Text string
}

// Show sends o to the notebook. Outside a notebook it does nothing.
func Show(o Output) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: bundle(o), DisplayID: o.ID})
}

// bundle returns the MIME bundle of o.
func bundle(o Output) map[protocol.MIMEType]any {
	data := map[protocol.MIMEType]any{}
	for _, f := range []struct {
		mime  protocol.MIMEType
		value string
	}{{protocol.MIMETextHTML, o.HTML}, {protocol.MIMETextMarkdown, o.Markdown}, {protocol.MIMETextPlain, o.Text}} {
		if f.value != "" {
			data[f.mime] = f.value
		}
	}
	return data
}

// EndText ends the cell's current text output, and reports whether it did:
// what the program writes to standard output after it starts a new output
// below. It sends an output with no content, which JupyterLab shows as
// nothing.
//
// GoNB reads standard output and gonbui's outputs in two goroutines, so the
// empty output could overtake text written before it, or be overtaken by text
// written after. EndText therefore first waits, at most 20 ms, until GoNB has
// read standard output (it does nothing when GoNB has not, or when that
// cannot be told: outside Linux), and after sending waits (see Sync) until
// GoNB has passed the empty output on. Outside a notebook it does nothing.
//
// JupyterLab joins every stream message that follows another into one output
// and re-renders all of it for each message; a long text written in many
// pieces costs less to show in several outputs.
func EndText() bool {
	if !gonbui.IsNotebook || !stdoutRead() {
		return false
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{}})
	Sync()
	return true
}

// Sync waits, for at most two seconds, until GoNB has passed every output on:
// when a cell's program exits, GoNB stops reading them. Outside a notebook it
// returns at once.
func Sync() {
	if !gonbui.IsNotebook {
		return
	}
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// UniqueID returns a new random id, for output ids and HTML element ids:
// eight lowercase hexadecimal digits.
func UniqueID() string { return gonbui.UniqueID() }
