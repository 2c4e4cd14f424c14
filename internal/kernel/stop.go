package kernel

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

var (
	stopOnce sync.Once
	stopCtx  context.Context
)

// Context returns a context that is cancelled when the cell is stopped:
// Jupyter's stop button makes GoNB send SIGINT to the cell's program (and
// SIGKILL five seconds later), and a terminal's Ctrl-C does the same. Pass it
// to the go-openai calls of a cell so that stopping cancels the HTTP request
// at once.
//
// Every call returns the same context. After the first signal the default
// behaviour returns, so a second Ctrl-C ends the program.
func Context() context.Context {
	stopOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		stopCtx = ctx
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-sigs
			signal.Stop(sigs)
			cancel()
		}()
	})
	return stopCtx
}
