package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesAndStops(t *testing.T) {
	answer := filepath.Join(t.TempDir(), "answer.md")
	if err := os.WriteFile(answer, []byte("Hello from a file."), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-rate", "-1", "-think", "0", "-require-key", "test-key", "-answer-file", answer}, &stdout, &stderr)
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
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
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
		err := run(context.Background(), args, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("run %q: err = %v, want a usage error", args, err)
		}
	}
	if err := run(context.Background(), []string{"-answer-file", filepath.Join(t.TempDir(), "missing")}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "cannot read the text to stream") {
		t.Errorf("missing answer file: err = %v", err)
	}
}
