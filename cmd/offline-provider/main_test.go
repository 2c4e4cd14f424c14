package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hubtest"
)

func TestRunServesAndStops(t *testing.T) {
	answer := filepath.Join(t.TempDir(), "answer.md")
	if err := os.WriteFile(answer, []byte("Hello from a file."), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := interrupt
	interrupt = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	t.Cleanup(func() { interrupt = old })
	var stdout, stderr hubtest.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-rate", "-1", "-think", "0", "-require-key", "test-key", "-answer-file", answer}, &stdout, &stderr)
	}()

	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(stdout.String(), "\n") {
			if u, ok := strings.CutPrefix(line, "Base URL: "); ok {
				base = u
			}
		}
	}
	if base == "" {
		t.Fatalf("no base URL printed; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "OPENAI_BASE_URL="+base+" make lab") {
		t.Errorf("stdout does not say how to use it: %q", stdout.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "test-key") {
		t.Error("the key was printed")
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer test-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"content":" file"`) || !strings.HasSuffix(string(body), "data: [DONE]\n\n") {
		t.Errorf("stream does not carry the answer file: %s", body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d; stderr %q", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop after its context was cancelled")
	}
	if !strings.Contains(stdout.String(), "Stopped.") {
		t.Errorf("stdout %q does not say it stopped", stdout.String())
	}
	if !strings.Contains(stderr.String(), `stream model="m"`) {
		t.Errorf("request not logged: %q", stderr.String())
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-rate", "0"}, {"-tokens", "0"}, {"extra"}, {"-nosuchflag"}} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("run %q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	if code := run([]string{"-help"}, io.Discard, io.Discard); code != 0 {
		t.Errorf("-help: exit %d", code)
	}
	var stderr bytes.Buffer
	if code := run([]string{"-answer-file", filepath.Join(t.TempDir(), "missing")}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "cannot read the text to stream") {
		t.Errorf("missing answer file: exit %d, stderr %q", code, stderr.String())
	}
}
