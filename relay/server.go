package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/k12notebooks/golessons/offline"
)

// Options are what New needs besides the Config: the secrets, and hooks for
// tests. The zero value is usable (no key: the offline provider answers).
type Options struct {
	// UpstreamKey is the teacher's key (see ReadUpstreamKey); "" sends none.
	UpstreamKey hub.Secret
	// HubToken is the relay's own hub token (JUPYTERHUB_API_TOKEN of the service).
	HubToken hub.Secret
	// Logf receives log lines; nil discards them. No line holds a token or key.
	Logf func(format string, args ...any)
	// Now replaces time.Now.
	Now func() time.Time
	// HubClient asks the hub API; nil means a client with cfg.HubTimeout.
	HubClient *http.Client
	// UpstreamTransport sends upstream requests; nil means a clone of
	// http.DefaultTransport without transparent compression.
	UpstreamTransport http.RoundTripper
	// Gate replaces the class-wide windowGate (tests use a manual one).
	gate upstreamGate
	// Offline configures the in-process offline provider used when there is
	// neither a key nor upstream.base_url.
	Offline offline.Options
}

// Relay is the class relay, an http.Handler. Make one with New.
type Relay struct {
	cfg  Config
	key  hub.Secret
	base string // upstream base URL, without a trailing slash
	rpm  int    // class-wide upstream requests per minute; 0: no limit
	// commentGap is the least time between two waiting comments sent for a
	// change of place.
	commentGap time.Duration
	offline    *offline.Server
	auth       *hubAuth
	limiter    *studentLimiter
	queue      *fairQueue
	usage      *usageStore
	settings   *settingsStore
	conv       *convStore
	active     activeSet
	bg         sync.WaitGroup // the background checks and the state's upkeep
	client     *http.Client
	logf       func(string, ...any)
	now        func() time.Time
	stop       context.CancelFunc
}

// New checks cfg, opens the usage file, starts the offline provider when
// needed, and returns the relay. Close it when done.
func New(cfg Config, opts Options) (*Relay, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.Prefix = hub.NormalizePrefix(cfg.Prefix)
	r := &Relay{cfg: cfg, key: opts.UpstreamKey, logf: opts.Logf, now: opts.Now, commentGap: time.Second}
	if r.logf == nil {
		r.logf = func(string, ...any) {}
	}
	if r.now == nil {
		r.now = time.Now
	}
	usage, err := openUsage(cfg.StateDir, r.logf)
	if err != nil {
		return nil, err
	}
	if r.settings, err = openSettings(cfg.StateDir, r.logf); err != nil {
		return nil, err
	}
	conv := cfg.Conversations
	if r.conv, err = openConversations(cfg.StateDir, conv.Keep, conv.RetentionDays, r.now, r.logf); err != nil {
		return nil, err
	}
	base, rpm := cfg.resolvedUpstream(r.key)
	if base == "" {
		if r.offline, err = offline.Start(opts.Offline); err != nil {
			return nil, fmt.Errorf("no key and no upstream.base_url, and the offline provider could not start: %w", err)
		}
		base = r.offline.URL()
	}
	r.base, r.rpm, r.usage = base, rpm, usage
	gate := opts.gate
	if gate == nil {
		gate = newWindowGate(rpm, cfg.Upstream.MaxConcurrent)
	}
	r.queue = newFairQueue(gate, cfg.Queue.MaxWaiting, r.now)
	r.limiter = newStudentLimiter(cfg.Student, usage, r.now)
	r.auth = newHubAuth(cfg, opts.HubToken, opts.HubClient, r.now)
	tr := opts.UpstreamTransport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true // pass the upstream's bytes as they are
		t.MaxIdleConnsPerHost = 64
		tr = t
	}
	r.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	r.bg.Add(2)
	go func() { defer r.bg.Done(); usage.Run(ctx, cfg.UsageFlush.D()) }()
	go func() { defer r.bg.Done(); r.conv.Run(ctx, conv.SweepEvery.D()) }()
	return r, nil
}

// Close waits for the background checks, saves the usage and stops the
// offline provider. Streams still being served should be ended first
// (http.Server.Shutdown).
func (r *Relay) Close() error {
	r.stop()
	r.bg.Wait()
	err := r.usage.Flush()
	if r.offline != nil {
		r.offline.Close()
	}
	return err
}

// Describe says in one line where requests go and the class-wide limit; it
// never includes the key.
func (r *Relay) Describe() string {
	var where string
	switch {
	case r.offline != nil:
		where = "upstream: the offline sample provider (no key set), at " + r.base
	case r.key != "":
		where = "upstream: " + r.base + " with the teacher's key (hidden)"
	default:
		where = "upstream: " + r.base + " (no key sent)"
	}
	limit := "no class-wide limit"
	if r.rpm > 0 {
		limit = fmt.Sprintf("class-wide at most %d requests a minute", r.rpm)
	}
	if n := r.cfg.Upstream.MaxConcurrent; n > 0 {
		limit += fmt.Sprintf(", %d at once", n)
	}
	return where + "; " + limit
}

// upstreamName names the upstream in messages for students.
func (r *Relay) upstreamName() string {
	if r.offline != nil {
		return "the offline sample provider"
	}
	u, err := url.Parse(r.base)
	if err != nil {
		return "the AI provider"
	}
	if strings.HasSuffix(u.Hostname(), "openrouter.ai") {
		return "OpenRouter"
	}
	return u.Host
}

// ServeHTTP implements http.Handler; see the package documentation for the
// endpoints.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rest, ok := strings.CutPrefix(req.URL.Path, r.cfg.Prefix)
	if !ok && req.URL.Path+"/" == r.cfg.Prefix {
		rest, ok = "", true
	}
	if !ok {
		newError(http.StatusNotFound, classapi.TypeNotFound, "Not found: the class relay serves paths under "+r.cfg.Prefix+".").write(w)
		return
	}
	switch strings.TrimRight(rest, "/") {
	case "v1/chat/completions":
		if method(w, req, http.MethodPost) {
			r.chat(w, req)
		}
	case "v1/models":
		if method(w, req, http.MethodGet) {
			r.models(w, req)
		}
	case classapi.UsagePath:
		if method(w, req, http.MethodGet) {
			r.usageEndpoint(w, req)
		}
	case classapi.HealthPath:
		if method(w, req, http.MethodGet) {
			writeJSON(w, classapi.Health{Status: "ok", Waiting: r.queue.Waiting(), Student: r.cfg.Student})
		}
	case classapi.ClassPath:
		if method(w, req, http.MethodGet) {
			r.classNotice(w, req)
		}
	case classapi.TeacherPath, classapi.ExchangePath, classapi.SettingsPath, classapi.PausePath, classapi.SeenPath:
		r.teacher(w, req, strings.TrimRight(rest, "/"))
	default:
		newError(http.StatusNotFound, classapi.TypeNotFound, fmt.Sprintf(
			"Not found: the class relay serves POST %[1]sv1/chat/completions and GET %[1]sv1/models; "+
				"set OPENAI_BASE_URL to the relay's address followed by %[1]sv1.", r.cfg.Prefix)).write(w)
	}
}

// method checks the request method, answering 405 when it is not want.
func method(w http.ResponseWriter, req *http.Request, want string) bool {
	if req.Method == want || (want == http.MethodGet && req.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", want)
	newError(http.StatusMethodNotAllowed, classapi.TypeInvalidRequest, "Use "+want+" here.").write(w)
	return false
}

// writeJSON writes v as an indented JSON 200 answer.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		newError(http.StatusInternalServerError, classapi.TypeUpstream, "cannot encode the answer: "+err.Error()).write(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// authenticate identifies the student, answering 401 (or 503 when the hub
// is down) when it cannot.
func (r *Relay) authenticate(w http.ResponseWriter, req *http.Request) (*hub.User, string, bool) {
	token := bearerToken(req)
	u, err := r.auth.Identify(req.Context(), token)
	if err != nil {
		r.refuse(w, req, token, err)
		return nil, "", false
	}
	return u, token, true
}

// refuse answers a request whose token was not accepted: 401, or 503 when
// the hub is down.
func (r *Relay) refuse(w http.ResponseWriter, req *http.Request, token string, err error) {
	var down *hubDownError
	switch {
	case req.Context().Err() != nil: // the student left
	case errors.As(err, &down):
		r.logf("class-relay: 503, cannot identify token %s: %v", tokenTag(token), err)
		e := newError(http.StatusServiceUnavailable, classapi.TypeHubDown, "The class relay cannot check who you are right now: "+
			"JupyterHub did not answer. Wait a minute and run the cell again; if it keeps happening, tell your teacher.")
		e.header = map[string]string{"Retry-After": "30"}
		e.write(w)
	case token == "":
		r.logf("class-relay: 401, no token sent")
		newError(http.StatusUnauthorized, classapi.TypeAuth, "No JupyterHub token was sent. In a class notebook the API key is "+
			"your JupyterHub token (JUPYTERHUB_API_TOKEN): restart the kernel and run the cells again from the top.").write(w)
	case errors.Is(err, errNotAllowed):
		r.logf("class-relay: 401 for token %s: %v", tokenTag(token), err)
		newError(http.StatusUnauthorized, classapi.TypeAuth, "This JupyterHub token may not use the class relay (it must be a "+
			"student's own server token). Restart the kernel and run the cells again; if it keeps happening, tell your teacher.").write(w)
	default:
		r.logf("class-relay: 401 for token %s: %v", tokenTag(token), err)
		newError(http.StatusUnauthorized, classapi.TypeAuth, "Your JupyterHub token was not accepted by the class relay (it may have "+
			"expired when your server restarted). Save your work, restart your server (File → Hub Control Panel → Stop My "+
			"Server, then Start), and run the cells again.").write(w)
	}
}

// readBody reads a request body of at most max_request_bytes.
func (r *Relay) readBody(w http.ResponseWriter, req *http.Request) ([]byte, *apiError) {
	b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxRequestBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, newError(http.StatusRequestEntityTooLarge, classapi.TypeInvalidRequest, fmt.Sprintf(
			"The request is larger than the class relay accepts (%d bytes). Send a shorter conversation.", r.cfg.MaxRequestBytes))
	case err != nil:
		return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The request could not be read: "+err.Error())
	}
	return b, nil
}

// models serves GET /v1/models from the upstream, unchanged. It is neither
// queued nor counted.
func (r *Relay) models(w http.ResponseWriter, req *http.Request) {
	if _, _, ok := r.authenticate(w, req); !ok {
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), time.Minute)
	defer cancel()
	resp, err := r.upstreamCall(ctx, http.MethodGet, "/models", nil, req.Header, bearerToken(req))
	if err != nil {
		r.unreachable(err).write(w)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && r.key != "" {
		r.logf("class-relay: the upstream refused the teacher's key (401); check the key file")
		r.keyRefused(resp.StatusCode).write(w)
		return
	}
	copyResponseHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// usageEndpoint serves GET usage to hub admins and to tokens holding the
// unfiltered read:users scope (the class view's service).
func (r *Relay) usageEndpoint(w http.ResponseWriter, req *http.Request) {
	if r.mayTeach(w, req, "see the class's usage") {
		writeJSON(w, r.usage.Snapshot())
	}
}

// maxPause bounds how long an upstream 429's Retry-After pauses the queue:
// a long one is usually about one model or one day, not the next minute.
const maxPause = time.Minute

// exchange is what the relay keeps about one chat request, for usage and the log.
type exchange struct {
	student      string
	began        time.Time
	stream       bool
	model        string
	prompt       int64           // estimated prompt tokens
	messages     json.RawMessage // as sent upstream
	waited       time.Duration
	aheadAtStart int
	status       int
	outcome      string // "" when the answer came whole
	scan         sseScan

	id          string           // the kept exchange's id
	all         string           // the text of every message, for the checks
	lastUser    string           // the last user message
	alerts      []classapi.Alert // the prompt's alerts
	blocked     bool
	safety      string                // the safety model asked, "" none
	guardPrompt chan []classapi.Alert // the safety model's prompt alerts, when asked in the background
}

// chat serves POST /v1/chat/completions: identity, pause, body, limits,
// the alert checks (a blocked request ends here), queue, then the upstream.
func (r *Relay) chat(w http.ResponseWriter, req *http.Request) {
	u, token, ok := r.authenticate(w, req)
	if !ok {
		return
	}
	if r.settings.Paused(u.Name) {
		pausedError(false).write(w)
		return
	}
	settings, words := r.settings.now()
	body, cr, aerr := r.readChat(w, req, token, settings.Instructions)
	if aerr != nil {
		aerr.write(w)
		return
	}
	release, lerr := r.limiter.Admit(u.Name)
	if lerr != nil {
		r.logf("class-relay: %s: 429 %s", u.Name, lerr.Type)
		limitError(lerr).write(w)
		return
	}
	defer release()
	ex := r.newExchange(u.Name, cr)
	defer r.finish(ex)
	if r.checkPrompt(req.Context(), ex, &settings, words) {
		r.block(w, ex)
		return
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	defer cancel(nil)
	defer r.active.add(u.Name, cancel)()
	req = req.WithContext(ctx)
	tw := &trackWriter{ResponseWriter: w}
	defer r.endStopped(tw, req, ex)
	t, err := r.queue.Enqueue(u.Name)
	if err != nil {
		e := limitError(&limitRefusal{Type: classapi.TypeQueueFull, RetryAfter: time.Minute, Message: "The whole class is asking at once " +
			"and the queue is full. Wait a minute, then run the cell again."})
		ex.status, ex.outcome = e.status, "queue full"
		e.write(w)
		return
	}
	defer t.Close()
	early, ok := r.waitTurn(tw, req, t, ex)
	if !ok {
		return
	}
	r.forward(tw, req, ex, body, early, token)
}

// readChat reads and checks a chat request, puts the class instructions
// first, and returns the body to send upstream.
func (r *Relay) readChat(w http.ResponseWriter, req *http.Request, token, instructions string) ([]byte, *chatRequest, *apiError) {
	b, aerr := r.readBody(w, req)
	if aerr != nil {
		return nil, nil, aerr
	}
	holdsToken := newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The request contains your JupyterHub token; "+
		"it was not sent. Remove the token from the messages and run the cell again.")
	if token != "" && bytes.Contains(b, []byte(token)) {
		return nil, nil, holdsToken
	}
	cr, aerr := parseChat(b, &r.cfg)
	if aerr != nil {
		return nil, nil, aerr
	}
	cr.instruct(instructions)
	out, err := cr.encode()
	if err == nil {
		cr.sent, err = marshalJSON(cr.fields["messages"])
	}
	if err != nil {
		return nil, nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The request could not be re-encoded: "+err.Error())
	}
	if token != "" && bytes.Contains(out, []byte(token)) { // written with \u escapes in the body
		return nil, nil, holdsToken
	}
	return out, cr, nil
}

// forward sends the request upstream and passes the answer through.
func (r *Relay) forward(w http.ResponseWriter, req *http.Request, ex *exchange, body []byte, early bool, token string) {
	ctx, cancel := context.WithTimeout(req.Context(), r.cfg.Upstream.Timeout.D())
	defer cancel()
	resp, err := r.upstreamCall(ctx, http.MethodPost, "/chat/completions", body, req.Header, token)
	if err != nil {
		if req.Context().Err() != nil {
			ex.outcome = "student left"
			return
		}
		e := r.unreachable(err)
		ex.status, ex.outcome = e.status, "upstream unreachable"
		r.logf("class-relay: cannot reach the upstream: %v", cleanErr(err))
		r.writeErr(w, e, early)
		return
	}
	defer resp.Body.Close()
	ex.status = resp.StatusCode
	if resp.StatusCode == http.StatusTooManyRequests {
		if d := retryAfter(resp.Header, r.now()); d > 0 {
			r.queue.PauseUntil(r.now().Add(min(d, maxPause)))
		}
	}
	if resp.StatusCode == http.StatusUnauthorized && r.key != "" {
		r.logf("class-relay: the upstream refused the teacher's key (401); check the key file")
	}
	switch {
	case early && resp.StatusCode != http.StatusOK:
		ex.outcome = "upstream error"
		writeFlush(w, http.NewResponseController(w), r.errorEvent(resp))
		return
	case resp.StatusCode == http.StatusUnauthorized && r.key != "":
		ex.outcome = "upstream refused the key"
		r.keyRefused(resp.StatusCode).write(w)
		return
	}
	if !early {
		copyResponseHeader(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusOK && isEventStream(resp.Header) {
		err = copyLive(w, resp.Body, &ex.scan)
	} else {
		err = copyWhole(w, resp.Body, &ex.scan, resp.StatusCode == http.StatusOK)
	}
	r.endCopy(err, req, ex)
}

// writeErr writes e as an error response, or as an error event when the
// stream's headers are already sent.
func (r *Relay) writeErr(w http.ResponseWriter, e *apiError, early bool) {
	if early {
		writeFlush(w, http.NewResponseController(w), e.event())
		return
	}
	e.write(w)
}

// copyWhole copies a non-streamed answer, scanning a 200's usage.
func copyWhole(w http.ResponseWriter, body io.Reader, scan *sseScan, ok bool) error {
	var kept bytes.Buffer
	src := body
	if ok {
		src = io.TeeReader(body, &limitWriter{buf: &kept, max: 8 << 20})
	}
	_, err := io.Copy(w, src)
	if ok {
		scanCompletion(kept.Bytes(), scan)
	}
	return err
}

// limitWriter keeps the first max bytes written to it.
type limitWriter struct {
	buf *bytes.Buffer
	max int
}

// Write implements io.Writer; it never fails.
func (l *limitWriter) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// endCopy handles the end of a pass-through: a cut upstream stream is cut
// for the student too (the connection is aborted), so that the student's
// client sees what it would have seen without the relay.
func (r *Relay) endCopy(err error, req *http.Request, ex *exchange) {
	switch {
	case err == nil:
		if ex.stream && !ex.scan.done && !ex.scan.finish && ex.status == http.StatusOK {
			ex.outcome = "stream ended early"
		}
	case (errors.Is(err, errClientGone) || req.Context().Err() != nil) && ex.stream && ex.scan.done:
		// The student's client closed after "data: [DONE]", before the
		// upstream's end of file: the answer was whole.
	case errors.Is(err, errClientGone) || req.Context().Err() != nil:
		ex.outcome = "student left"
	default:
		ex.outcome = "upstream cut the stream"
		if errors.Is(err, context.DeadlineExceeded) {
			ex.outcome = "upstream.timeout reached"
		}
		panic(http.ErrAbortHandler)
	}
}

// finish records the usage of ex and logs it.
func (r *Relay) finish(ex *exchange) {
	o := requestOutcome{Failed: ex.outcome != "" || ex.status != http.StatusOK || ex.scan.errors > 0}
	how := "no answer"
	switch {
	case ex.scan.usage != nil:
		u := ex.scan.usage
		o.PromptTokens, o.CompletionTokens, o.TotalTokens = int64(u.PromptTokens), int64(u.CompletionTokens), int64(u.TotalTokens)
		how = "usage"
	case ex.status == http.StatusOK:
		o.PromptTokens, o.CompletionTokens, o.Estimated = ex.prompt, ex.scan.deltas, true
		o.TotalTokens = o.PromptTokens + o.CompletionTokens
		how = "estimated"
	}
	r.usage.Finish(ex.student, ex.began, o)
	r.keep(ex)
	if !r.cfg.LogRequests {
		return
	}
	mode, outcome := "complete", "ok"
	if ex.stream {
		mode = "stream"
	}
	if ex.outcome != "" {
		outcome = ex.outcome
	}
	wait := ""
	if ex.waited > 0 {
		wait = fmt.Sprintf(", waited %v (%d ahead)", ex.waited.Round(time.Millisecond), ex.aheadAtStart)
	}
	r.logf("class-relay: %s %s model=%q status=%d %s in %v%s, tokens %d+%d (%s)", ex.student, mode, ex.model, ex.status,
		outcome, r.now().Sub(ex.began).Round(time.Millisecond), wait, o.PromptTokens, o.CompletionTokens, how)
}
