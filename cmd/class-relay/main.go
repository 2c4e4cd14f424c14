// Command class-relay runs the class relay (package relay): the one place a
// teacher's AI key lives when a class uses the lessons on JupyterHub. Students'
// kernels send their OpenAI-compatible requests to it with their own
// JupyterHub token as the API key; it checks the token with the hub, applies
// per-student limits and a fair class-wide queue, and forwards the request
// with the teacher's key.
//
// JupyterHub runs it as a managed service, which sets JUPYTERHUB_API_URL,
// JUPYTERHUB_API_TOKEN, JUPYTERHUB_SERVICE_PREFIX and JUPYTERHUB_SERVICE_URL:
//
//	c.JupyterHub.services = [{
//	    "name": "class-relay",
//	    "url": "http://127.0.0.1:10101",
//	    "command": ["/opt/golessons/bin/class-relay", "-config", "/etc/class-relay/relay.json"],
//	}]
//
// Usage:
//
//	class-relay [-config relay.json] [-listen 127.0.0.1:8765] [-check] [-print-config]
//
// Flags:
//
//	-config FILE     the JSON config file (default $CLASS_RELAY_CONFIG; none: defaults)
//	-listen ADDR     listen here instead of the config's listen
//	-check           check the config and the key, say what the relay would do, and exit
//	-print-config    print the default config as JSON and exit
//
// relay.example.json, beside this file, is a config with what a class
// typically sets; fields left out keep their defaults, which -print-config
// prints (each is written once, in package relay or classapi). The relay
// package documentation describes every field.
//
// The key comes from upstream.key_file (mode 0600) or the variable named by
// upstream.key_env (OPENROUTER_API_KEY); with neither, the offline sample
// provider answers. It stops cleanly on SIGINT or SIGTERM, saving usage.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/internal/serve"
	"github.com/k12notebooks/golessons/relay"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// interrupt returns a context that ends on SIGINT or SIGTERM; tests replace it.
var interrupt = serve.Interrupt

// run runs the relay as args say and returns the exit status: 0 after a
// clean stop, 1 on an error, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fl := serve.NewFlags("class-relay", stderr,
		"usage: class-relay [-config relay.json] [-listen host:port] [-check] [-print-config]",
		"Serves the class relay: students use their JupyterHub token; the teacher's key stays here.")
	file := fl.String("config", os.Getenv(relay.EnvConfig), "JSON config file (see the relay package documentation; none: defaults)")
	listen := serve.ListenFlag(fl)
	check := fl.Bool("check", false, "check the config and the key, print what the relay would do, and exit")
	printConfig := fl.Bool("print-config", false, "print the default config as JSON and exit")
	if exit, ok := serve.Parse(fl, args); !ok {
		return exit
	}
	if *printConfig {
		b, _ := json.MarshalIndent(relay.DefaultConfig(), "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	rl, cfg, err := setup(*file, *listen, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "class-relay: %v\n", err)
		return 1
	}
	if *check {
		describe(stdout, rl, cfg, cfg.Listen)
		fmt.Fprintln(stdout, "The config is fine.")
		if err := rl.Close(); err != nil {
			fmt.Fprintf(stderr, "class-relay: %v\n", err)
			return 1
		}
		return 0
	}
	if err := listenAndServe(rl, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "class-relay: %v\n", err)
		return 1
	}
	return 0
}

// setup loads the config and the secrets and makes the relay.
func setup(file, listen string, stderr io.Writer) (*relay.Relay, relay.Config, error) {
	cfg, err := relay.LoadConfig(file, os.Getenv)
	if err != nil {
		return nil, cfg, err
	}
	if listen != "" {
		cfg.Listen = listen
	}
	key, err := relay.ReadUpstreamKey(cfg, os.Getenv)
	if err != nil {
		return nil, cfg, err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	hubToken := hub.Secret(os.Getenv(relay.EnvHubToken))
	if hubToken == "" {
		logger.Printf("class-relay: %s is not set; admins are then recognised only by the hub's /user answer", relay.EnvHubToken)
	}
	rl, err := relay.New(cfg, relay.Options{UpstreamKey: key, HubToken: hubToken, Logf: logger.Printf})
	return rl, cfg, err
}

// listenAndServe listens and serves until interrupted, then shuts down,
// letting answers in progress finish for a few seconds.
func listenAndServe(rl *relay.Relay, cfg relay.Config, stdout, stderr io.Writer) error {
	defer rl.Close()
	ln, err := serve.Listen(cfg.Listen)
	if err != nil {
		return err
	}
	describe(stdout, rl, cfg, ln.Addr().String())
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	ctx, stop := interrupt()
	defer stop()
	srv := &serve.Server{Name: "class-relay", Handler: rl, Log: stderr, Grace: 5 * time.Second, Stopping: func() {
		fmt.Fprintln(stdout, "Stopping: letting answers in progress finish for up to 5 s…")
	}}
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	if err := rl.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Stopped; usage saved.")
	return nil
}

// describe prints where the relay listens, what students set, and its limits.
func describe(w io.Writer, rl *relay.Relay, cfg relay.Config, addr string) {
	s := cfg.Student
	fmt.Fprintf(w, "Class relay on http://%s%s\n", addr, cfg.Prefix)
	fmt.Fprintf(w, "Students' OPENAI_BASE_URL: http://%s%sv1 (or the hub's address followed by %sv1);\n", addr, cfg.Prefix, cfg.Prefix)
	fmt.Fprintln(w, "  their API key is their JUPYTERHUB_API_TOKEN.")
	fmt.Fprintln(w, rl.Describe())
	fmt.Fprintf(w, "Hub API: %s; state: %s\n", cfg.HubAPIURL, cfg.StateDir)
	fmt.Fprintf(w, "Per student: %s a minute, %s a day, %s at once, max_tokens cap %s\n",
		limit(s.RequestsPerMinute), limit(s.RequestsPerDay), limit(s.ConcurrentStreams), limit(s.MaxTokens))
	if c := cfg.Conversations; c.Keep {
		fmt.Fprintf(w, "Conversations (messages and answers) are kept for the teacher in %s/conversations for %d days (conversations.keep).\n", cfg.StateDir, c.RetentionDays)
	} else {
		fmt.Fprintln(w, "Conversations are not kept (conversations.keep is false): the teacher sees only counts.")
	}
}

// limit writes a limit, 0 as "no limit".
func limit(n int) string {
	if n == 0 {
		return "no limit"
	}
	return fmt.Sprint(n)
}
