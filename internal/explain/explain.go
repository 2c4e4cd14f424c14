// Package explain turns the errors of a lesson's requests into a short
// message for a student: what went wrong, in plain words, and what to do
// next. It keeps the details of recent error responses that go-openai's
// error types drop (headers, error.metadata), which the transport of
// package connect reports.
package explain

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/sse"
)

// Explainer explains errors. It keeps the latest error responses and error
// events it was told of (Record, RecordEvent), to say when to retry and why
// a provider failed. An Explainer is safe for concurrent use.
type Explainer struct {
	// Conn returns where requests go: the base URL named in messages,
	// whether a key was sent, whether it is a class relay. Nil means unknown.
	Conn func() connect.Connection
	// Secrets hides keys and tokens in every message; nil hides only what
	// looks like a secret.
	Secrets *connect.Secrets

	log errorLog
}

// conn returns the current connection, or the zero Connection.
func (e *Explainer) conn() connect.Connection {
	if e.Conn == nil {
		return connect.Connection{}
	}
	return e.Conn()
}

// Record keeps what a transport read of an error response, for Explain.
func (e *Explainer) Record(r connect.ErrorResponse) {
	rec := errorRecord{
		when:        now(),
		status:      r.Status,
		model:       r.Model,
		contentType: r.ContentType,
		body:        r.Body,
	}
	rec.setWait(r.Header, rec.when)
	rec.parseBody(r.Body)
	e.log.add(rec)
}

// RecordEvent keeps an error event that arrived inside a stream, as
// sse.Body rewrote it, for Explain.
func (e *Explainer) RecordEvent(event []byte) {
	rec := errorRecord{midStream: true}
	rec.parseBody(event)
	e.log.add(rec)
}

// Explain returns a short message for a student about err: what went wrong,
// in plain words, and what to do next. It knows the errors of go-openai
// (HTTP status codes from OpenAI-compatible servers and OpenRouter),
// network failures, streams that ended early and a stopped cell. The base
// URL is named where it helps; the API key never appears (the text passes
// through Secrets.Redact). It returns "" for a nil error.
func (e *Explainer) Explain(err error) string {
	if err == nil {
		return ""
	}
	return e.Secrets.Redact(e.explain(err))
}

func (e *Explainer) explain(err error) string {
	base := e.baseURLFor(err)
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.Is(err, context.Canceled):
		return "Stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("No answer from %s in time: the time limit for the request ran out. "+
			"The server may be slow or busy; run the cell again in a moment.", base)
	case errors.Is(err, sse.ErrEndedEarly):
		return "The connection ended early, so the answer is incomplete (the text received so far is kept). " +
			"The network or the provider dropped the stream; run the cell again."
	case errors.As(err, &apiErr):
		return e.explainAPIError(apiErr, base)
	case errors.As(err, &reqErr):
		return e.explainRequestError(reqErr, base)
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return fmt.Sprintf("The server at %s sent only empty keep-alive messages for a very long time, "+
			"so the stream was stopped. Run the cell again, or choose another model.", base)
	}
	if msg := explainNetwork(err, base); msg != "" {
		return msg
	}
	return "Something went wrong: " + cleanErrorText(err.Error()) + "."
}

// baseURLFor returns the base URL to name in a message: the connection's,
// else the scheme and host the failed request went to.
func (e *Explainer) baseURLFor(err error) string {
	if b := e.conn().BaseURL; b != "" {
		return b
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	return "the server"
}

// explainNetwork explains a failure to reach the server, or "".
func explainNetwork(err error, base string) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var ue *url.Error
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("Could not find the server %s: the name %q does not exist. "+
				"Check the address (OPENAI_BASE_URL, if you set it) for typing mistakes.", base, dnsErr.Name)
		}
		return fmt.Sprintf("Could not look up the server %s (DNS lookup of %q failed). "+
			"Check your internet connection, then run the cell again.", base, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("Nothing answered at %s (connection refused). If the server runs on this computer "+
			"(Ollama, llama.cpp, LM Studio, vLLM), start it; otherwise check OPENAI_BASE_URL.", base)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETDOWN):
		return fmt.Sprintf("The network is unreachable, so %s could not be contacted. "+
			"Check your internet connection, then run the cell again.", base)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fmt.Sprintf("The connection to %s was reset before an answer came. Run the cell again.", base)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("No answer from %s in time (the connection timed out). "+
			"Check your internet connection, or try again in a moment.", base)
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		return fmt.Sprintf("Could not make a secure connection to %s: its certificate was not accepted. "+
			"Check the address in OPENAI_BASE_URL (http:// or https://).", base)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF) && errors.As(err, &ue):
		return fmt.Sprintf("The connection to %s ended before the answer was complete. Run the cell again.", base)
	case errors.As(err, &ue):
		return fmt.Sprintf("Could not reach %s: %s. Check your internet connection and OPENAI_BASE_URL.",
			base, cleanErrorText(ue.Err.Error()))
	}
	return ""
}

// explainAPIError explains an error the server described in JSON.
func (e *Explainer) explainAPIError(apiErr *openai.APIError, base string) string {
	status := apiErr.HTTPStatusCode
	rec, ok := e.log.find(func(r *errorRecord) bool {
		return r.status == status && r.message == strings.TrimSpace(apiErr.Message)
	})
	if !ok {
		rec = errorRecord{status: status, message: apiErr.Message, when: now()}
		if apiErr.Code != nil {
			rec.code = fmt.Sprint(apiErr.Code)
		}
	}
	if rec.message == "" {
		rec.message = apiErr.Message
	}
	if status == 0 {
		return e.explainMidStream(&rec)
	}
	return e.explainStatus(&rec, base)
}

// explainRequestError explains an error response go-openai could not read
// as JSON, such as a web page.
func (e *Explainer) explainRequestError(reqErr *openai.RequestError, base string) string {
	rec, ok := e.log.find(func(r *errorRecord) bool {
		return r.status == reqErr.HTTPStatusCode && len(r.body) > 0 && len(reqErr.Body) >= len(r.body) &&
			string(reqErr.Body[:len(r.body)]) == string(r.body)
	})
	if !ok {
		rec = errorRecord{status: reqErr.HTTPStatusCode, when: now()}
		rec.parseBody(reqErr.Body)
	}
	if rec.html {
		title := ""
		if rec.title != "" {
			title = fmt.Sprintf(": %q", rec.title)
		}
		return fmt.Sprintf("The server at %s answered with a web page instead of an API answer (status %d%s). "+
			"Check that OPENAI_BASE_URL points at the API (it usually ends in /v1); if it does, the provider "+
			"may be having trouble: try again later.", base, reqErr.HTTPStatusCode, title)
	}
	if rec.message == "" {
		rec.message = strings.TrimSpace(string(reqErr.Body))
		if len(rec.message) > 200 {
			rec.message = rec.message[:200] + "…"
		}
	}
	return e.explainStatus(&rec, base)
}

// explainMidStream explains an error event inside a stream.
func (e *Explainer) explainMidStream(r *errorRecord) string {
	if e.conn().Relay {
		if m := explainRelay(r); m != "" {
			return m
		}
	}
	if r.code == "429" && isDaily(r) {
		return explainRateLimit(r, e.conn().Relay)
	}
	what := quoteReason(r.message, r.raw)
	advice := "Run the cell again, or choose another model."
	if r.code == "429" || strings.Contains(strings.ToLower(r.raw+r.message), "rate") {
		advice = "The model is busy: wait a minute, then run the cell again, or choose another model."
	}
	return "The provider stopped with an error while answering: " + what +
		". The text received before the error is kept. " + advice
}

// quoteReason quotes a message and, when it adds something, the upstream
// provider's own reason.
func quoteReason(msg, raw string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = "no reason given"
	}
	out := "“" + strings.TrimRight(msg, ". ") + "”"
	if raw = strings.TrimSpace(raw); raw != "" && raw != msg {
		if len(raw) > 300 {
			raw = raw[:300] + "…"
		}
		out += " (the provider said: “" + strings.TrimRight(raw, ". ") + "”)"
	}
	return out
}

// explainStatus explains an HTTP error status.
func (e *Explainer) explainStatus(r *errorRecord, base string) string {
	if e.conn().Relay {
		if m := explainRelay(r); m != "" {
			return m
		}
	}
	msg := r.message
	reason := quoteReason(msg, r.raw)
	lower := strings.ToLower(msg)
	switch s := r.status; {
	case (s == 400 || s == 404) && mentionsUnknownModel(lower):
		model := "the model you chose"
		if r.model != "" {
			model = fmt.Sprintf("the model %q", r.model)
		}
		return fmt.Sprintf("The server does not offer %s (%d: %s). Change MODEL in the cell that sets it "+
			"to a model the provider lists (for OpenRouter see https://openrouter.ai/models, for example "+
			"openai/gpt-oss-120b:free), then run that cell and this one again.", model, s, reason)
	case s == 400:
		return fmt.Sprintf("The server refused the request as invalid (400: %s). Check the request in the cell "+
			"(model, messages, options) and run it again.", reason)
	case s == 401:
		if !e.conn().HasKey {
			return fmt.Sprintf("The server at %s needs an API key, and none was sent (401: %s). Set "+
				"OPENROUTER_API_KEY (or OPENAI_API_KEY) in the .env file or the environment, restart the "+
				"kernel, and run the cells again.", base, reason)
		}
		return fmt.Sprintf("The API key was refused (401: %s). Check OPENROUTER_API_KEY: copy a fresh key from "+
			"https://openrouter.ai/keys into the .env file (or the environment), restart the kernel, and run "+
			"the cells again.", reason)
	case s == 402 && e.conn().Relay:
		return fmt.Sprintf("Your class's AI account has no credits left for this request (402: %s). It is not your "+
			"code: use the lesson's model in MODEL (a free one, its name ends in :free); if that does not help, tell your teacher.", reason)
	case s == 402:
		return fmt.Sprintf("Your account has no credits left for this request (402: %s). Choose a free model "+
			"(its name ends in :free) in MODEL, or add credits at https://openrouter.ai/settings/credits.", reason)
	case s == 403:
		return fmt.Sprintf("The provider refused this request (403: %s). If it was flagged by moderation, "+
			"rephrase the question; otherwise check your key's permissions or choose another model.", reason)
	case s == 404:
		return fmt.Sprintf("Nothing was found at %s (404: %s). Check OPENAI_BASE_URL: it usually ends in /v1.",
			base, reason)
	case s == 408 || s == 504 || s == 524:
		return fmt.Sprintf("The provider took too long to answer (%d: %s). Run the cell again in a moment.",
			s, reason)
	case s == 413:
		return fmt.Sprintf("The request is too large for this model (413: %s). Send a shorter conversation.", reason)
	case s == 429:
		return explainRateLimit(r, e.conn().Relay)
	case s == 502:
		return fmt.Sprintf("The model's provider is down or overloaded (502: %s). It is not your code: wait a "+
			"moment and run the cell again, or choose another model.", reason)
	case s == 503:
		return fmt.Sprintf("No provider can serve this model right now (503: %s). It is not your code: wait a "+
			"moment and run the cell again, or choose another model.", reason)
	case s >= 500:
		return fmt.Sprintf("The provider had a problem on its side (%d: %s). It is not your code: wait a "+
			"moment and run the cell again, or choose another model.", s, reason)
	default:
		return fmt.Sprintf("The server at %s answered with an error (%d: %s).", base, s, reason)
	}
}

// mentionsUnknownModel reports whether an error message is about a model
// that does not exist.
func mentionsUnknownModel(lower string) bool {
	if !strings.Contains(lower, "model") && !strings.Contains(lower, "endpoints found") {
		return false
	}
	for _, w := range []string{"not a valid", "not found", "does not exist", "invalid model", "unknown model",
		"no endpoints found", "not available", "is not supported", "no such model"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// explainRateLimit explains a 429: OpenRouter's per-minute and per-day limits
// for free models, and an upstream provider's own limit. In a class
// (class is true) the account is the teacher's, not the student's.
func explainRateLimit(r *errorRecord, class bool) string {
	t := now()
	wait := r.wait(t)
	lower := strings.ToLower(r.message)
	upstream := r.raw != "" || strings.Contains(lower, "provider returned error") || strings.Contains(lower, "upstream")
	switch {
	case upstream:
		who := "The model's provider"
		if r.provider != "" {
			who = "The model's provider (" + r.provider + ")"
		}
		return fmt.Sprintf("%s is busy and limits requests right now (429: %s). It is not your code and not "+
			"your own limit: %s, or choose another model in MODEL.", who, quoteReason(r.message, r.raw),
			waitAdvice(wait, "wait a minute and run the cell again"))
	case isDaily(r) || wait > time.Hour:
		return explainDailyLimit(r, class)
	case class:
		return fmt.Sprintf("Your class sent too many requests in a short time (429: %s). Free models allow about 20 "+
			"requests a minute for the whole class: %s.", quoteReason(r.message, ""), waitAdvice(wait, "wait a minute and run the cell again"))
	default:
		return fmt.Sprintf("Too many requests in a short time (429: %s). Free models allow about 20 requests a "+
			"minute: %s.", quoteReason(r.message, ""), waitAdvice(wait, "wait a minute and run the cell again"))
	}
}

// isDaily reports whether a 429 is about a daily limit.
func isDaily(r *errorRecord) bool {
	lower := strings.ToLower(r.message)
	return strings.Contains(lower, "per-day") || strings.Contains(lower, "per day")
}

// explainDailyLimit explains the upstream's daily limit (OpenRouter's
// free-models-per-day). In a class, the account is the teacher's: a student
// can only wait for the reset or tell the teacher.
func explainDailyLimit(r *errorRecord, class bool) string {
	t := now()
	when := "tomorrow"
	if !r.resetAt.IsZero() {
		when = fmt.Sprintf("at %s UTC (%s)", r.resetAt.UTC().Format("15:04"), inDuration(r.resetAt.Sub(t)))
	}
	if class {
		return fmt.Sprintf("Your class has used up today's free requests to the AI (429: %s). It is not your code, "+
			"and you cannot fix it from your notebook: the limit is on your teacher's account, for the whole class. "+
			"It resets %s; run the cell again then. Tell your teacher, who can decide what the class does until then "+
			"(any advice to add credits is for them).", quoteReason(r.message, ""), when)
	}
	return fmt.Sprintf("You have used today's free requests (429: %s). The limit resets %s. Until then, "+
		"use the offline sample (no key), or add credits to your OpenRouter account for a higher limit.",
		quoteReason(r.message, ""), when)
}

// waitAdvice says how long to wait, or gives the fallback when unknown.
func waitAdvice(wait time.Duration, fallback string) string {
	if wait <= 0 {
		return fallback
	}
	return "wait " + strings.TrimPrefix(inDuration(wait), "in ") + " and run the cell again"
}

// inDuration writes a wait as "in 42 s", "in 3 min", "in 5 h 10 min".
func inDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "in 1 s"
	case d < time.Minute:
		return fmt.Sprintf("in %d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int((d+time.Minute-1)/time.Minute))
	default:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("in %d h", h)
		}
		return fmt.Sprintf("in %d h %d min", h, m)
	}
}

// cleanErrorText trims go-openai's "error, " prefixes from an error's text.
func cleanErrorText(s string) string {
	for strings.HasPrefix(s, "error, ") {
		s = strings.TrimPrefix(s, "error, ")
	}
	return strings.TrimRight(s, ". ")
}

// explainPaused explains that the teacher paused the AI: a request
// refused at once, or an answer the teacher stopped while it streamed.
func explainPaused(r *errorRecord) string {
	if r.midStream {
		return "⏸ Your teacher stopped the AI, so the answer stops here (the text received so far is kept). " +
			"It is not your code: when your teacher turns the AI back on, run the cell again."
	}
	return "⏸ Your teacher has paused the AI for now, so your request was not sent. " +
		"It is not your code: when your teacher turns the AI back on, run the cell again."
}

// explainRelay explains the class relay's own refusals in a class's words:
// a student has no key to check and no account to top up. It returns ""
// for errors the relay passed on from the AI provider.
func explainRelay(r *errorRecord) string {
	reason := quoteReason(r.message, "")
	wait := waitAdvice(r.wait(now()), "wait a minute and run the cell again")
	switch r.typ {
	case classapi.TypeAuth:
		return fmt.Sprintf("The class relay did not recognise your login (401: %s). Restart your server "+
			"(File → Hub Control Panel → Stop My Server, then Start My Server) and run the cells again; "+
			"if it keeps happening, tell your teacher.", reason)
	case classapi.TypeHubDown:
		return fmt.Sprintf("The class relay cannot check logins right now (503: %s). It is not your code: %s.", reason, wait)
	case classapi.TypePerMinute, classapi.TypeConcurrent:
		return fmt.Sprintf("You have sent many requests in a short time, more than your class allows (429: %s): %s.", reason, wait)
	case classapi.TypePerDay:
		when := "tomorrow"
		if !r.resetAt.IsZero() {
			when = fmt.Sprintf("at %s (%s)", r.resetAt.Local().Format("15:04"), inDuration(r.resetAt.Sub(now())))
		}
		return fmt.Sprintf("You have used all of today's requests for your class (429: %s). You can ask again %s, "+
			"or ask your teacher.", reason, when)
	case classapi.TypeQueueTimeout, classapi.TypeQueueFull:
		return fmt.Sprintf("Your whole class is asking at once, and no turn came free in time (429: %s): %s.", reason, wait)
	case classapi.TypeFieldNotAllowed:
		return fmt.Sprintf("The class relay did not send this request to the AI (400: %s). Change the request in "+
			"the cell as it says, then run the cell again.", reason)
	case classapi.TypeModelNotAllowed:
		return fmt.Sprintf("This model is not available in your class (400: %s). Put MODEL back to the lesson's "+
			"model, run that cell and this one again.", reason)
	case classapi.TypeUpstreamKey:
		return fmt.Sprintf("The AI provider refused your teacher's key (%s). It is not your code: tell your teacher.", reason)
	case classapi.TypePaused:
		return explainPaused(r)
	case classapi.TypeBlocked:
		return "This message was not sent to the AI: it touches a topic your class talks about with people, not with an AI. " +
			"If something is worrying you, please talk to your teacher or another adult you trust. " +
			"You can change your message and run the cell again."
	}
	return ""
}
