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
//	-addr 127.0.0.1:8808   address to listen on
//	-rate 40               tokens per second (negative: no pauses)
//	-think 600ms           pause before the first token, with keep-alive comments
//	-require-key KEY       accept only this API key (default: any or none)
//	-answer-file FILE      stream the text of FILE as the answer to every question
//	-reasoning-file FILE   stream the text of FILE as the reasoning
//	-bench                 bench mode: numbered, time-stamped tokens
//	-tokens 500            number of tokens in bench mode
//	-quiet                 do not log requests
//
// It stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/k12notebooks/golessons/offline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "offline-provider: %v\n", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "offline-provider: %v\n", err)
		os.Exit(1)
	}
}

// errUsage marks errors in the command line.
var errUsage = errors.New("usage")

// run serves the offline provider as the command line args say until ctx is
// done, printing how to use it to stdout and flag errors to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("offline-provider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr          = fs.String("addr", "127.0.0.1:8808", "address to listen on (host:port; port 0 picks a free one)")
		rate          = fs.Float64("rate", offline.DefaultTokensPerSecond, "tokens per second (negative: no pauses)")
		think         = fs.Duration("think", offline.DefaultThinkTime, "pause before the first token, with keep-alive comments (0: none)")
		requireKey    = fs.String("require-key", "", "accept only this API key, as \"Authorization: Bearer KEY\" (default: accept any)")
		answerFile    = fs.String("answer-file", "", "file whose text is the answer to every question")
		reasoningFile = fs.String("reasoning-file", "", "file whose text is streamed as reasoning before the answer")
		bench         = fs.Bool("bench", false, "bench mode: tokens carry a sequence number and their send time")
		tokens        = fs.Int("tokens", offline.DefaultBenchTokens, "number of tokens in bench mode")
		quiet         = fs.Bool("quiet", false, "do not log requests")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: offline-provider [flags]\n\nServes the lesson's offline sample provider (OpenAI-compatible, OpenRouter wire format).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q; see -help", errUsage, fs.Arg(0))
	case *rate == 0:
		return fmt.Errorf("%w: -rate must not be 0; use a negative rate to send without pauses", errUsage)
	case *tokens <= 0:
		return fmt.Errorf("%w: -tokens must be positive", errUsage)
	}

	opts := offline.Options{
		Addr:            *addr,
		TokensPerSecond: *rate,
		ThinkTime:       *think,
		RequireKey:      *requireKey,
		Bench:           *bench,
		Tokens:          *tokens,
	}
	if *think <= 0 {
		opts.ThinkTime = -1 // zero would mean "the default"
	}
	var err error
	if opts.Answer, err = readText(*answerFile); err != nil {
		return err
	}
	if opts.Reasoning, err = readText(*reasoningFile); err != nil {
		return err
	}
	if !*quiet {
		logger := log.New(stderr, "", log.Ltime|log.Lmicroseconds)
		opts.Logf = logger.Printf
	}

	srv, err := offline.Start(opts)
	if err != nil {
		return err
	}
	mode := "the lesson's sample answer"
	switch {
	case *bench:
		mode = fmt.Sprintf("bench mode, %d numbered tokens", *tokens)
	case opts.Answer != "":
		mode = "the answer from " + *answerFile
	}
	pace := fmt.Sprintf("%g tokens/s", *rate)
	if *rate < 0 {
		pace = "no pauses"
	}
	fmt.Fprintf(stdout, "Offline sample provider (not a real AI model): %s, %s, %v think time.\n", mode, pace, max(*think, 0))
	fmt.Fprintf(stdout, "Base URL: %s\n\n", srv.URL())
	fmt.Fprintf(stdout, "Point the lesson at it:\n  OPENAI_BASE_URL=%s make lab\n", srv.URL())
	if *requireKey != "" {
		fmt.Fprintf(stdout, "It accepts only the key given with -require-key: set OPENROUTER_API_KEY to it too.\n")
	}
	fmt.Fprintf(stdout, "Try it:\n  curl -N %s/chat/completions -d '{\"model\":\"%s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}'\n",
		srv.URL(), offline.LessonModel, offline.LessonQuestion)
	fmt.Fprintln(stdout, "\nPress Ctrl-C to stop.")

	<-ctx.Done()
	fmt.Fprintln(stdout, "\nStopping: letting streams in progress finish for up to 2 s…")
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
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
