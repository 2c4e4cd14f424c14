package helpers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

func TestExplain(t *testing.T) {
	resetConfig(t)
	t.Setenv(KeyEnv, testKey)
	t.Setenv(BaseURLEnv, "https://openrouter.ai/api/v1")
	Connect(openai.DefaultConfig(APIKey()))
	cases := []struct {
		err  error
		want []string
	}{
		{nil, nil},
		{context.Canceled, []string{"Stopped."}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: context.Canceled}, []string{"Stopped."}},
		{context.DeadlineExceeded, []string{"https://openrouter.ai/api/v1", "in time"}},
		{fmt.Errorf("%w: unexpected EOF", ErrEndedEarly), []string{"connection ended early", "kept"}},
		{&openai.APIError{HTTPStatusCode: 401, Message: "Invalid key " + testKey}, []string{"API key was refused", "[hidden]"}},
		{&openai.APIError{HTTPStatusCode: 418, Message: "I'm a teapot"}, []string{"418", "teapot", "https://openrouter.ai/api/v1"}},
		{&openai.RequestError{HTTPStatusCode: 502, Body: []byte("<html><head><title>Bad Gateway</title></head></html>")}, []string{"web page", "Bad Gateway"}},
		{&openai.RequestError{HTTPStatusCode: 500, Body: []byte("upstream crashed")}, []string{"problem on its side", "upstream crashed"}},
		{openai.ErrTooManyEmptyStreamMessages, []string{"keep-alive"}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: syscall.ECONNRESET}, []string{"reset"}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: io.ErrUnexpectedEOF}, []string{"ended before"}},
		{errors.New("error, status code: 0, something odd with " + testKey), []string{"Something went wrong", "something odd", "[hidden]"}},
	}
	for _, c := range cases {
		msg := Explain(c.err)
		if c.err == nil && msg != "" {
			t.Errorf("Explain(nil) = %q", msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Explain(%v) = %q, want %q", c.err, msg, w)
			}
		}
		noKey(t, msg)
		noStackTrace(t, msg)
		if strings.Contains(msg, "error, ") {
			t.Errorf("Explain(%v) = %q keeps go-openai's prefix", c.err, msg)
		}
	}
}

func TestInDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Millisecond:       "in 1 s",
		16100 * time.Millisecond:     "in 17 s",
		90 * time.Second:             "in 2 min",
		5*time.Hour + 10*time.Minute: "in 5 h 10 min",
		3 * time.Hour:                "in 3 h",
	} {
		if got := inDuration(d); got != want {
			t.Errorf("inDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseReset(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Time{
		"1740830400000": time.UnixMilli(1740830400000),
		"1740830400":    time.Unix(1740830400, 0),
		"30":            base.Add(30 * time.Second),
		"6m0s":          base.Add(6 * time.Minute),
		"soon":          {},
	} {
		if got := parseReset(v, base); !got.Equal(want) {
			t.Errorf("parseReset(%q) = %v, want %v", v, got, want)
		}
	}
}

// ShowError outside a notebook writes one line to standard error.
func TestShowErrorWritesToStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	ShowError(&openai.APIError{HTTPStatusCode: 402, Message: "Insufficient credits"})
	ShowError(context.Canceled)
	ShowError(nil)
	os.Stderr = old
	w.Close()
	out, _ := io.ReadAll(r)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "⚠️ Your account has no credits") || lines[1] != "⏹ Stopped." {
		t.Errorf("stderr = %q", out)
	}
}

// Context is cancelled by SIGINT, as GoNB sends it for the stop button.
func TestContextCancelledBySIGINT(t *testing.T) {
	ctx := Context()
	if ctx.Err() != nil {
		// An earlier run in this process (go test -count=2) used the signal;
		// a second SIGINT would now end the process.
		t.Skip("Context was cancelled by an earlier run of this test")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("not cancelled within a second of SIGINT")
	}
	if Context() != ctx {
		t.Error("Context returned a different context")
	}
}
