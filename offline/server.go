package offline

import (
	"github.com/k12notebooks/golessons/internal/wire"

	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults used where Options leaves a field at its zero value.
const (
	// DefaultAddr is where Start listens: a free port on the loopback interface.
	DefaultAddr = "127.0.0.1:0"
	// DefaultTokensPerSecond is about the pace of a free model on OpenRouter.
	DefaultTokensPerSecond = 40
	// DefaultThinkTime is the pause, with keep-alive comments, before the
	// first token.
	DefaultThinkTime = 600 * time.Millisecond
	// DefaultKeepAlive is the interval between ": OPENROUTER PROCESSING"
	// comments during the think time.
	DefaultKeepAlive = 150 * time.Millisecond
	// DefaultBenchTokens is the length of a bench-mode answer.
	DefaultBenchTokens = 500
)

// Environment variables that replace DefaultTokensPerSecond and
// DefaultThinkTime when set (fields set in Options still win). They let a
// test run speed up the provider that the helpers start with Options{}.
const (
	// RateEnv holds tokens per second, for example "2000".
	RateEnv = "OFFLINE_TOKENS_PER_SECOND"
	// ThinkEnv holds a Go duration ("50ms") or seconds ("0.05").
	ThinkEnv = "OFFLINE_THINK_TIME"
)

// Request headers that override Options for one request; see the package
// documentation.
const (
	// HeaderRate sets TokensPerSecond, for example "3000".
	HeaderRate = "X-Offline-Tokens-Per-Second"
	// HeaderThink sets ThinkTime, as a Go duration ("250ms") or seconds ("0.25").
	HeaderThink = "X-Offline-Think-Time"
	// HeaderBench turns bench mode on ("1", "true") or off ("0", "false").
	HeaderBench = "X-Offline-Bench"
	// HeaderTokens sets Tokens, the length of a bench-mode answer.
	HeaderTokens = "X-Offline-Tokens"
)

// maxBody limits the size of a request body.
const maxBody = 8 << 20

// Options configures the offline provider. The zero value gives the lesson's
// defaults: the prepared answers at DefaultTokensPerSecond after
// DefaultThinkTime, no key required.
type Options struct {
	// Addr is the address Start listens on; "" means DefaultAddr.
	Addr string
	// TokensPerSecond is the pace of the stream; 0 means the default
	// (RateEnv, else DefaultTokensPerSecond); a negative value or +Inf sends
	// without pauses.
	TokensPerSecond float64
	// ThinkTime is the pause before the first token, during which keep-alive
	// comments are sent; 0 means the default (ThinkEnv, else
	// DefaultThinkTime); a negative value means no pause.
	ThinkTime time.Duration
	// KeepAlive is the interval between keep-alive comments during the think
	// time; 0 means DefaultKeepAlive. One comment is always sent at once.
	KeepAlive time.Duration
	// Answer, when set, is the answer to every question, streamed with
	// Reasoning (no reasoning when Reasoning is empty).
	Answer string
	// Reasoning, when set, replaces the reasoning streamed before the answer.
	Reasoning string
	// NoReasoning turns the reasoning of the prepared answers off.
	NoReasoning bool
	// RequireKey, when set, is the only API key accepted (as
	// "Authorization: Bearer <key>"); other requests get OpenRouter's 401.
	RequireKey string
	// Bench turns bench mode on: the answer is Tokens numbered, time-stamped
	// tokens (see the package documentation).
	Bench bool
	// Tokens is the number of tokens of a bench-mode answer; 0 means
	// DefaultBenchTokens.
	Tokens int
	// Logf, when set, receives one line per request (never a key).
	Logf func(format string, args ...any)
}

// withDefaults returns opts with zero fields replaced by their defaults.
func (opts Options) withDefaults() Options {
	if opts.TokensPerSecond == 0 {
		opts.TokensPerSecond = DefaultTokensPerSecond
		if v, err := strconv.ParseFloat(strings.TrimSpace(os.Getenv(RateEnv)), 64); err == nil && v != 0 {
			opts.TokensPerSecond = v
		}
	}
	if opts.ThinkTime == 0 {
		opts.ThinkTime = DefaultThinkTime
		if v, err := parseDuration(os.Getenv(ThinkEnv)); err == nil {
			opts.ThinkTime = v
			if v == 0 {
				opts.ThinkTime = -1
			}
		}
	}
	if opts.ThinkTime < 0 {
		opts.ThinkTime = 0
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.Tokens <= 0 {
		opts.Tokens = DefaultBenchTokens
	}
	return opts
}

// parseDuration reads a Go duration ("250ms") or a number of seconds ("0.25").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a duration like 250ms or 0.25", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Server is a running offline provider; see Start.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	cancel context.CancelFunc
	served chan struct{}
	once   sync.Once
	err    error
}

// Start listens on opts.Addr (a free loopback port by default) and serves the
// offline provider in the background until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("offline provider: cannot listen on %s: %w (is the port in use? choose another address)", addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		srv: &http.Server{
			Handler:           NewHandler(opts),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return ctx },
		},
		ln:     ln,
		cancel: cancel,
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the base URL for an OpenAI client, such as
// "http://127.0.0.1:8808/api/v1".
func (s *Server) URL() string {
	return "http://" + s.ln.Addr().String() + "/api/v1"
}

// Addr returns the address the server listens on, such as "127.0.0.1:8808".
func (s *Server) Addr() string {
	return s.ln.Addr().String()
}

// Close stops the server at once: streams in progress end and their handlers
// return. It is safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.cancel()
		err := s.srv.Close()
		<-s.served
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = fmt.Errorf("offline provider: close: %w", err)
		}
	})
	return s.err
}

// Shutdown stops accepting requests and waits for streams in progress to end,
// until ctx is done; then it closes whatever is left, as Close does.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil // streams were cut, as asked
	}
	return err
}

// handler serves the offline provider's endpoints.
type handler struct {
	opts Options
}

// NewHandler returns the offline provider as an http.Handler, for use with
// httptest or a server of one's own. See the package documentation for its
// endpoints.
func NewHandler(opts Options) http.Handler {
	return &handler{opts: opts.withDefaults()}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimRight(r.URL.Path, "/")
	for _, prefix := range []string{"/api/v1", "/v1"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && (rest == "" || rest[0] == '/') {
			path = rest
			break
		}
	}
	switch path {
	case "/chat/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, "Use POST for chat completions.")
			return
		}
		h.chat(w, r)
	case "/models":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "Use GET for the model list.")
			return
		}
		writeJSON(w, http.StatusOK, modelList{Object: "list", Data: []model{{
			ID:            LessonModel,
			Object:        "model",
			Created:       1754000000,
			OwnedBy:       "offline",
			Name:          "Offline sample of " + LessonModel,
			Description:   "Prepared sample answers for the lesson; not a real AI model.",
			ContextLength: 131072,
		}}})
	default:
		writeError(w, http.StatusNotFound, "Not Found: the offline provider serves POST /api/v1/chat/completions and GET /api/v1/models.")
	}
}

// authorize checks the bearer token against opts.RequireKey and writes
// OpenRouter's 401 when it does not match.
func (h *handler) authorize(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.RequireKey == "" {
		return true
	}
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	token, ok := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		writeError(w, http.StatusUnauthorized, "No auth credentials found")
		return false
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(h.opts.RequireKey)) != 1 {
		writeError(w, http.StatusUnauthorized, "User not found.")
		return false
	}
	return true
}

// requestOptions returns h.opts with the per-request header overrides applied.
func (h *handler) requestOptions(r *http.Request) (Options, error) {
	opts := h.opts
	if v := r.Header.Get(HeaderRate); v != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f == 0 || math.IsNaN(f) {
			return opts, fmt.Errorf("%s: %q is not a number of tokens per second", HeaderRate, v)
		}
		opts.TokensPerSecond = f
	}
	if v := r.Header.Get(HeaderThink); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return opts, fmt.Errorf("%s: %w", HeaderThink, err)
		}
		opts.ThinkTime = max(d, 0)
	}
	if v := r.Header.Get(HeaderBench); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return opts, fmt.Errorf("%s: %q is not 1, 0, true or false", HeaderBench, v)
		}
		opts.Bench = b
	}
	if v := r.Header.Get(HeaderTokens); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return opts, fmt.Errorf("%s: %q is not a positive number of tokens", HeaderTokens, v)
		}
		opts.Tokens = n
	}
	return opts, nil
}

// chat serves POST /chat/completions.
func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	if !h.authorize(w, r) {
		return
	}
	opts, err := h.requestOptions(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "messages: at least one message is required")
		return
	}
	if req.Model == "" {
		req.Model = LessonModel
	}
	if IsSafetyModel(req.Model) {
		h.guard(w, &req)
		return
	}
	g := newGeneration(opts, &req)
	if req.Stream {
		g.stream(r.Context(), w)
	} else {
		g.complete(r.Context(), w)
	}
	if opts.Logf != nil {
		mode := "complete"
		if req.Stream {
			mode = "stream"
		}
		opts.Logf("offline provider: %s model=%q at %s: %d of %d tokens in %v, %s",
			mode, req.Model, formatRate(opts.TokensPerSecond), g.sent, g.planned(),
			time.Since(g.start).Round(time.Millisecond), g.outcome)
	}
}

// newID returns a generation id shaped like OpenRouter's, "gen-<unix>-<20 letters>".
func newID(now time.Time) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return "gen-" + strconv.FormatInt(now.Unix(), 10) + "-" + string(b)
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := wire.EncodeJSON(&buf, v); err != nil {
		http.Error(w, "offline provider: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeError writes OpenRouter's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, wire.ErrorBody{Error: wire.ErrorDetail{Message: msg, Code: status}})
}
