// Package serve is the scaffolding the commands that serve HTTP share:
// reading their flags, listening, serving until SIGINT or SIGTERM, and
// shutting down gracefully.
package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Interrupt returns a context that ends on SIGINT (Ctrl-C) or SIGTERM.
// Commands call it through a variable, so that their tests can replace it.
func Interrupt() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// NewFlags returns the flag set of the command name: errors go to stderr,
// and -help prints the usage lines, then the flags.
func NewFlags(name string, stderr io.Writer, usage ...string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		for _, line := range usage {
			fmt.Fprintln(stderr, line)
		}
		fl.PrintDefaults()
	}
	return fl
}

// ListenFlag defines -listen, an address that overrides the config's.
func ListenFlag(fl *flag.FlagSet) *string {
	return fl.String("listen", "", "address to listen on, overriding the config (host:port; port 0 picks a free one)")
}

// Parse parses args with fl, which has no positional arguments, and says
// whether the command goes on; when it does not, exit is its exit status: 0
// for -help, 2 for a bad flag or an argument left over (named on fl's
// output).
func Parse(fl *flag.FlagSet, args []string) (exit int, ok bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(fl.Output(), "%s: unexpected argument %q; see -help\n", fl.Name(), fl.Arg(0))
		return 2, false
	}
	return 0, true
}

// Listen listens on the TCP address addr, with an error that says what to
// do when it cannot.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (is the port in use? set listen in the config, or -listen)", addr, err)
	}
	return ln, nil
}

// Server serves a command's handler until it is stopped.
type Server struct {
	// Name starts the lines of net/http's error log ("class-relay: http: ").
	Name string
	// Handler answers the requests.
	Handler http.Handler
	// Log receives net/http's error log, with a time stamp (the command's
	// stderr).
	Log io.Writer
	// Grace is how long requests in progress may go on after the stop
	// (default 5 s); the rest are then closed.
	Grace time.Duration
	// EndRequests makes the requests' contexts end with the stop, for
	// handlers that never end by themselves (event streams).
	EndRequests bool
	// Stopping, when set, is called when the stop begins (to say so).
	Stopping func()
}

// Serve serves on ln until ctx ends, then shuts down: it stops accepting,
// gives the requests in progress s.Grace to finish, and closes the rest. It
// returns nil after a stop, or the error that stopped the server first.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(s.Log, s.Name+": http: ", log.LstdFlags),
	}
	if s.EndRequests {
		hs.BaseContext = func(net.Listener) context.Context { return ctx }
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("the server stopped: %w", err)
	case <-ctx.Done():
	}
	if s.Stopping != nil {
		s.Stopping()
	}
	grace := s.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	hs.Close()
	return nil
}
