package hubtest

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Command is a command's run(args, stdout, stderr) int running in the
// background, as its main runs it, for tests of commands that serve until
// interrupted (class-relay, class-view, offline-provider).
type Command struct {
	// Stdout and Stderr are what the command wrote so far.
	Stdout, Stderr SyncBuffer

	stop context.CancelFunc
	done chan int
}

// StartCommand runs run with args in the background. interrupt is the
// command's variable that holds serve.Interrupt: until the test ends it is
// replaced by one that Stop ends, as Ctrl-C would.
func StartCommand(t testing.TB, interrupt *func() (context.Context, context.CancelFunc), run func([]string, io.Writer, io.Writer) int, args ...string) *Command {
	ctx, cancel := context.WithCancel(context.Background())
	old := *interrupt
	*interrupt = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	c := &Command{stop: cancel, done: make(chan int, 1)}
	t.Cleanup(func() {
		cancel()
		*interrupt = old
	})
	go func() { c.done <- run(args, &c.Stdout, &c.Stderr) }()
	return c
}

// WaitFor waits up to 10 s for the command's stdout to match re and
// returns the match's first group (the whole match when re has none). The
// test fails at once when it does not come.
func (c *Command) WaitFor(t testing.TB, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(c.Stdout.String()); m != nil {
			return m[len(m)-1]
		}
	}
	c.stop()
	t.Fatalf("the command never wrote %s\nstdout:\n%s\nstderr:\n%s", re, c.Stdout.String(), c.Stderr.String())
	return ""
}

// Stop interrupts the command and returns its exit status once it has
// ended; the test fails at once when it has not within 10 s.
func (c *Command) Stop(t testing.TB) int {
	t.Helper()
	c.stop()
	select {
	case code := <-c.done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("the command did not stop within 10 s of its interrupt\nstdout:\n%s", c.Stdout.String())
		return -1
	}
}

// Chat sends a streamed chat completion request ("hi") to base, an
// OPENAI_BASE_URL, with key as the API key, and returns the status and the
// whole body.
func Chat(t testing.TB, base, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	return send(t, req)
}

// send sends req and returns the status and the whole body.
func send(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
