// Command offline-provider runs the lesson's offline sample provider on its
// own: an OpenAI-compatible chat-completions server that streams a prepared
// answer in OpenRouter's wire format at a chosen pace. Tests and benchmarks
// point a lesson at it with OPENAI_BASE_URL.
//
// Usage:
//
//	go run ./cmd/offline-provider [flags]
//
// Flags:
//
//		-addr 127.0.0.1:8808   address to listen on
//		-rate 40               tokens per second (negative: no pauses)
//		-think 600ms           pause before the first token, with keep-alive comments
//		-require-key KEY       accept only this API key (default: any or none)
//		-answer-file FILE      stream the text of FILE as the answer to every question
//		-reasoning-file FILE   stream the text of FILE as the reasoning
//		-bench                 bench mode: numbered, time-stamped tokens
//		-tokens 500            number of tokens in bench mode
//		-quiet                 do not log requests
//		-print-bench           print bench mode's token format as JSON and exit
//	                        ({"paragraph": offline.BenchParagraph, "pattern": offline.BenchPattern};
//	                        bench/measure.py reads it)
//
// It stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/k12notebooks/golessons/internal/serve"
	"github.com/k12notebooks/golessons/offline"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// interrupt returns a context that ends on SIGINT or SIGTERM; tests replace it.
var interrupt = serve.Interrupt

// run serves the offline provider as the command line args say until
// interrupted, printing how to use it to stdout and errors to stderr, and
// returns the exit status: 0 after a clean stop, 1 on an error, 2 on a usage
// error.
func run(args []string, stdout, stderr io.Writer) int {
	f, exit, ok := parseFlags(args, stderr)
	if !ok {
		return exit
	}
	if f.printBench {
		b, _ := json.Marshal(map[string]any{"paragraph": offline.BenchParagraph, "pattern": offline.BenchPattern})
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	if err := f.readTexts(); err != nil {
		fmt.Fprintf(stderr, "offline-provider: %v\n", err)
		return 1
	}
	if !f.quiet {
		f.opts.Logf = log.New(stderr, "", log.Ltime|log.Lmicroseconds).Printf
	}
	ctx, stop := interrupt()
	defer stop()
	srv, err := offline.Start(f.opts)
	if err != nil {
		fmt.Fprintf(stderr, "offline-provider: %v\n", err)
		return 1
	}
	f.describe(stdout, srv.URL())
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nStopping: letting streams in progress finish for up to 2 s…")
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "offline-provider: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "Stopped.")
	return 0
}

// flags are the command line's settings.
type flags struct {
	opts                      offline.Options
	think                     time.Duration // as given; opts.ThinkTime is -1 for none
	answerFile, reasoningFile string
	quiet                     bool
	printBench                bool
}

// parseFlags reads the command line; when ok is false, exit is the exit
// status.
func parseFlags(args []string, stderr io.Writer) (f flags, exit int, ok bool) {
	fl := serve.NewFlags("offline-provider", stderr, "Usage: offline-provider [flags]", "",
		"Serves the lesson's offline sample provider (OpenAI-compatible, OpenRouter wire format).", "")
	fl.StringVar(&f.opts.Addr, "addr", "127.0.0.1:8808", "address to listen on (host:port; port 0 picks a free one)")
	fl.Float64Var(&f.opts.TokensPerSecond, "rate", offline.DefaultTokensPerSecond, "tokens per second (negative: no pauses)")
	fl.DurationVar(&f.think, "think", offline.DefaultThinkTime, "pause before the first token, with keep-alive comments (0: none)")
	fl.StringVar(&f.opts.RequireKey, "require-key", "", "accept only this API key, as \"Authorization: Bearer KEY\" (default: accept any)")
	fl.StringVar(&f.answerFile, "answer-file", "", "file whose text is the answer to every question")
	fl.StringVar(&f.reasoningFile, "reasoning-file", "", "file whose text is streamed as reasoning before the answer")
	fl.BoolVar(&f.opts.Bench, "bench", false, "bench mode: tokens carry a sequence number and their send time")
	fl.IntVar(&f.opts.Tokens, "tokens", offline.DefaultBenchTokens, "number of tokens in bench mode")
	fl.BoolVar(&f.quiet, "quiet", false, "do not log requests")
	fl.BoolVar(&f.printBench, "print-bench", false, "print bench mode's token format (paragraph, pattern) as JSON and exit")
	if exit, ok := serve.Parse(fl, args); !ok {
		return f, exit, false
	}
	switch {
	case f.opts.TokensPerSecond == 0:
		fmt.Fprintln(stderr, "offline-provider: -rate must not be 0; use a negative rate to send without pauses")
		return f, 2, false
	case f.opts.Tokens <= 0:
		fmt.Fprintln(stderr, "offline-provider: -tokens must be positive")
		return f, 2, false
	}
	f.opts.ThinkTime = f.think
	if f.think <= 0 {
		f.opts.ThinkTime = -1 // zero would mean "the default"
	}
	return f, 0, true
}

// readTexts reads the answer and reasoning files named by the flags.
func (f *flags) readTexts() error {
	var err error
	if f.opts.Answer, err = readText(f.answerFile); err != nil {
		return err
	}
	f.opts.Reasoning, err = readText(f.reasoningFile)
	return err
}

// describe prints what the provider streams, where, and how to use it.
func (f *flags) describe(w io.Writer, url string) {
	mode := "the lesson's sample answer"
	switch {
	case f.opts.Bench:
		mode = fmt.Sprintf("bench mode, %d numbered tokens", f.opts.Tokens)
	case f.opts.Answer != "":
		mode = "the answer from " + f.answerFile
	}
	pace := fmt.Sprintf("%g tokens/s", f.opts.TokensPerSecond)
	if f.opts.TokensPerSecond < 0 {
		pace = "no pauses"
	}
	fmt.Fprintf(w, "Offline sample provider (not a real AI model): %s, %s, %v think time.\n", mode, pace, max(f.think, 0))
	fmt.Fprintf(w, "Base URL: %s\n\n", url)
	fmt.Fprintf(w, "Point the lesson at it:\n  OPENAI_BASE_URL=%s make lab\n", url)
	if f.opts.RequireKey != "" {
		fmt.Fprintf(w, "It accepts only the key given with -require-key: set OPENROUTER_API_KEY to it too.\n")
	}
	fmt.Fprintf(w, "Try it:\n  curl -N %s/chat/completions -d '{\"model\":\"%s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}'\n",
		url, offline.LessonModel, offline.LessonQuestion)
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
}

// readText returns the contents of the file at path, or "" when path is "".
func readText(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the text to stream: %w", err)
	}
	if len(b) == 0 {
		return "", fmt.Errorf("%s is empty; give a file with the text to stream", path)
	}
	return string(b), nil
}
