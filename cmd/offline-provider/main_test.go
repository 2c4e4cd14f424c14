package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/offline"
)

func TestRunServesAndStops(t *testing.T) {
	answer := filepath.Join(t.TempDir(), "answer.md")
	if err := os.WriteFile(answer, []byte("Hello from a file."), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := hubtest.StartCommand(t, &interrupt, run, "-addr", "127.0.0.1:0", "-rate", "-1", "-think", "0", "-require-key", "test-key", "-answer-file", answer)
	base := cmd.WaitFor(t, regexp.MustCompile(`(?m)^Base URL: (\S+)$`))
	stdout, stderr := &cmd.Stdout, &cmd.Stderr
	if !strings.Contains(stdout.String(), "OPENAI_BASE_URL="+base+" make lab") {
		t.Errorf("stdout does not say how to use it: %q", stdout.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "test-key") {
		t.Error("the key was printed")
	}
	_, body := hubtest.Chat(t, base, "test-key")
	if !strings.Contains(body, `"content":" file"`) || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Errorf("stream does not carry the answer file: %s", body)
	}
	if code := cmd.Stop(t); code != 0 {
		t.Errorf("exit %d; stderr %q", code, stderr.String())
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

func TestPrintBench(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-print-bench"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Paragraph int    `json:"paragraph"`
		Pattern   string `json:"pattern"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Paragraph != offline.BenchParagraph || got.Pattern != offline.BenchPattern {
		t.Errorf("-print-bench printed %q (%v)", out.String(), err)
	}
}
