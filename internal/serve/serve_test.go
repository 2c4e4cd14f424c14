package serve

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		args []string
		exit int
		ok   bool
		out  string
	}{
		{[]string{"-n", "3"}, 0, true, ""},
		{[]string{"-help"}, 0, false, "usage: cmd [-n N]\nDoes things.\n  -listen string\n"},
		{[]string{"-nosuch"}, 2, false, "flag provided but not defined"},
		{[]string{"extra"}, 2, false, `cmd: unexpected argument "extra"; see -help`},
	}
	for _, c := range cases {
		var out bytes.Buffer
		fl := NewFlags("cmd", &out, "usage: cmd [-n N]", "Does things.")
		listen := ListenFlag(fl)
		fl.Int("n", 0, "a number")
		exit, ok := Parse(fl, c.args)
		if exit != c.exit || ok != c.ok || !strings.Contains(out.String(), c.out) || *listen != "" {
			t.Errorf("%q: exit %d, ok %v, output %q", c.args, exit, ok, out.String())
		}
	}
}

func TestListenSaysWhatToDo(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "is the port in use?") {
		t.Errorf("second listen: %v", err)
	}
}

// serveUntil serves s on a free port until the returned stop is called, and
// returns the server's URL and a channel with Serve's result.
func serveUntil(t *testing.T, s *Server) (url string, stop func(), result chan error) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	result = make(chan error, 1)
	go func() { result <- s.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), cancel, result
}

// A request in progress finishes during the grace time; with EndRequests an
// endless one ends at the stop instead.
func TestServeStopsGracefully(t *testing.T) {
	for _, end := range []bool{false, true} {
		started := make(chan struct{})
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			select {
			case <-r.Context().Done():
				io.WriteString(w, "ended")
			case <-time.After(300 * time.Millisecond):
				io.WriteString(w, "finished")
			}
		})
		stopping := 0
		url, stop, result := serveUntil(t, &Server{Name: "test", Handler: handler, Log: io.Discard, EndRequests: end,
			Grace: 5 * time.Second, Stopping: func() { stopping++ }})
		got := make(chan string, 1)
		go func() {
			resp, err := http.Get(url)
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- string(b)
		}()
		<-started
		stop()
		if err := <-result; err != nil {
			t.Errorf("EndRequests %v: Serve = %v", end, err)
		}
		want := map[bool]string{false: "finished", true: "ended"}[end]
		if body := <-got; body != want || stopping != 1 {
			t.Errorf("EndRequests %v: body %q, Stopping called %d times", end, body, stopping)
		}
	}
}

// A server that fails says so.
func TestServeReturnsTheServersError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = (&Server{Name: "test", Handler: http.NotFoundHandler(), Log: io.Discard}).Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "the server stopped") {
		t.Errorf("Serve on a closed listener = %v", err)
	}
}
