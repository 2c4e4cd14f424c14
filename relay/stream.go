package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/wire"
)

// maxSSELine bounds the part of one line the usage scanner keeps; longer
// lines still pass through, unscanned.
const maxSSELine = 1 << 20

// bufPool holds the copy buffers of streams.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// errClientGone means the student's connection closed during a write.
var errClientGone = errors.New("the student's connection closed")

// streamHeaders sends the 200 event-stream headers of a waiting stream.
func streamHeaders(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return http.NewResponseController(w).Flush()
}

// writeFlush writes p and flushes it to the student at once.
func writeFlush(w http.ResponseWriter, rc *http.ResponseController, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return errClientGone
	}
	if err := rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}

// copyLive copies body to w as it arrives: every read from the upstream is
// written and flushed at once, so no event waits for the next, and the bytes
// are the upstream's exactly. Each read is then shown to scan. It returns
// nil at the end of body, errClientGone when the student left, or the
// upstream's read error (a cut stream).
func copyLive(w http.ResponseWriter, body io.Reader, scan *sseScan) error {
	rc := http.NewResponseController(w)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if werr := writeFlush(w, rc, buf[:n]); werr != nil {
				return werr
			}
			scan.feed(buf[:n])
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// isEventStream reports whether a response is a server-sent event stream.
func isEventStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/event-stream"
}

// sseScan watches a stream passing through for what usage needs: the usage
// chunk, [DONE], error events, and a count of delta events (the estimate of
// completion tokens when no usage comes: providers send about one token per
// event). With answer set it also keeps the answer text, for transcripts.
type sseScan struct {
	partial []byte
	skip    bool // the current line is too long to scan

	deltas int64
	usage  *wire.Usage
	done   bool
	finish bool
	errors int
	answer *strings.Builder

	// progress, when set, gets the answer so far at most every
	// progressEvery, for the teacher's live view.
	progress   func(answer string)
	progressAt time.Time
}

// progressEvery is the least time between two progress reports of a stream.
const progressEvery = time.Second

// feed scans the next bytes of the stream.
func (s *sseScan) feed(p []byte) {
	defer s.report()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return
		}
		s.keep(p[:i])
		if !s.skip {
			s.line(bytes.TrimSuffix(s.partial, []byte("\r")))
		}
		s.partial, s.skip, p = s.partial[:0], false, p[i+1:]
	}
}

// report gives the answer so far to progress, at most every progressEvery.
func (s *sseScan) report() {
	if s.progress == nil || s.answer == nil || time.Since(s.progressAt) < progressEvery {
		return
	}
	s.progressAt = time.Now()
	s.progress(s.answer.String())
}

// keep adds part of a line to s.partial, within maxSSELine.
func (s *sseScan) keep(p []byte) {
	if s.skip || len(s.partial)+len(p) > maxSSELine {
		s.skip, s.partial = true, s.partial[:0]
		return
	}
	s.partial = append(s.partial, p...)
}

// line scans one complete line.
func (s *sseScan) line(l []byte) {
	payload, ok := bytes.CutPrefix(l, []byte("data:"))
	if !ok {
		return
	}
	payload = bytes.TrimSpace(payload)
	switch {
	case string(payload) == "[DONE]":
		s.done = true
		return
	case bytes.Contains(payload, []byte(`"error"`)):
		s.errors++
	}
	if bytes.Contains(payload, []byte(`"delta"`)) {
		s.deltas++
	}
	if bytes.Contains(payload, []byte(`"finish_reason":"`)) {
		s.finish = true
	}
	if !bytes.Contains(payload, []byte(`"usage"`)) && s.answer == nil {
		return
	}
	var c struct { // wire.Chunk's parts, so that odd other fields do not matter
		Usage   *wire.Usage        `json:"usage"`
		Choices []wire.ChunkChoice `json:"choices"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return
	}
	if c.Usage != nil {
		s.usage = c.Usage
	}
	if s.answer != nil && len(c.Choices) > 0 {
		s.answer.WriteString(c.Choices[0].Delta.Content)
	}
}

// scanCompletion reads the usage and answer of a non-streamed answer.
func scanCompletion(body []byte, s *sseScan) {
	var c struct { // wire.Completion's parts, and an error
		Usage   *wire.Usage             `json:"usage"`
		Choices []wire.CompletionChoice `json:"choices"`
		Error   json.RawMessage         `json:"error"`
	}
	if json.Unmarshal(body, &c) != nil {
		return
	}
	s.usage, s.done, s.finish = c.Usage, len(c.Choices) > 0, len(c.Choices) > 0
	if len(c.Error) > 0 {
		s.errors++
	}
	if s.answer != nil && len(c.Choices) > 0 {
		s.answer.WriteString(c.Choices[0].Message.Content)
	}
	s.deltas = int64(len(c.Choices))
}

// errorEvent turns an upstream error response that arrives after a waiting
// stream's 200 headers into one error event: the upstream's own JSON error
// on one data line when it sent one (so its message and code reach the
// student), else a relay error with the status.
func (r *Relay) errorEvent(resp *http.Response) []byte {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusUnauthorized && r.key != "" {
		return r.keyRefused(resp.StatusCode).event()
	}
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	var line bytes.Buffer
	if json.Unmarshal(body, &probe) == nil && len(probe.Error) > 0 && json.Compact(&line, body) == nil {
		return append(append([]byte("data: "), line.Bytes()...), "\n\n"...)
	}
	msg := fmt.Sprintf("The AI provider (%s) answered with status %d", r.upstreamName(), resp.StatusCode)
	if t := strings.TrimSpace(string(body)); t != "" && !strings.HasPrefix(t, "<") && len(t) <= 200 {
		msg += ": " + t
	}
	return newError(resp.StatusCode, classapi.TypeUpstream, msg+". Try again in a minute.").event()
}

// waitTurn waits for t's turn. A stream gets its 200 headers at once and
// waiting comments (see waitComments); a non-stream request just waits. It
// returns whether headers were sent and whether the request may go on
// (false: the student left or the wait timed out, and the answer is written).
func (r *Relay) waitTurn(w http.ResponseWriter, req *http.Request, t *ticket, ex *exchange) (early, ok bool) {
	select {
	case <-t.Ready():
		return false, true
	default:
	}
	began := r.now()
	defer func() { ex.waited = r.now().Sub(began) }()
	ex.aheadAtStart = t.Ahead()
	timeout := time.NewTimer(r.cfg.Queue.MaxWait.D())
	defer timeout.Stop()
	var keep <-chan time.Time
	c := &waitComments{w: w, rc: http.NewResponseController(w), t: t, gap: r.commentGap}
	defer c.stop()
	if ex.stream {
		if streamHeaders(w) != nil || c.send(ex.aheadAtStart) != nil {
			return true, false
		}
		tick := time.NewTicker(r.cfg.Queue.KeepAlive.D())
		defer tick.Stop()
		keep = tick.C
	}
	for {
		var err error
		select {
		case <-t.Ready():
			return ex.stream, true
		case <-t.Changed():
			if ex.stream {
				err = c.changed()
			}
		case <-c.laterC():
			c.armed = false
			err = c.changed()
		case <-keep:
			err = c.send(t.Ahead())
		case <-timeout.C:
			r.queueTimeout(w, ex)
			return ex.stream, false
		case <-req.Context().Done():
			err = req.Context().Err()
		}
		if err != nil {
			ex.outcome = "left while waiting"
			return ex.stream, false
		}
	}
}

// waitComments writes a waiting stream's WaitingComment lines: one at once,
// one when its place changes (at most one per gap; a change within the gap
// is sent when the gap is over), and one per keep-alive.
type waitComments struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	t     *ticket
	gap   time.Duration
	last  int
	sent  time.Time
	later *time.Timer
	armed bool
}

// send writes the comment for n ahead.
func (c *waitComments) send(n int) error {
	c.last, c.sent = n, time.Now()
	return writeFlush(c.w, c.rc, classapi.WaitingComment(n))
}

// changed writes the new place now, or arms the timer when the last comment
// was less than gap ago.
func (c *waitComments) changed() error {
	n := c.t.Ahead()
	if n == c.last {
		return nil
	}
	wait := c.gap - time.Since(c.sent)
	if wait <= 0 {
		return c.send(n)
	}
	if !c.armed {
		if c.later == nil {
			c.later = time.NewTimer(wait)
		} else {
			c.later.Reset(wait)
		}
		c.armed = true
	}
	return nil
}

// laterC is the timer's channel, nil when none is armed.
func (c *waitComments) laterC() <-chan time.Time {
	if !c.armed {
		return nil
	}
	return c.later.C
}

// stop stops the timer.
func (c *waitComments) stop() {
	if c.later != nil {
		c.later.Stop()
	}
}

// queueTimeout answers a request that waited queue.max_wait for a turn.
func (r *Relay) queueTimeout(w http.ResponseWriter, ex *exchange) {
	e := limitError(&limitRefusal{Type: classapi.TypeQueueTimeout, RetryAfter: time.Minute, Message: fmt.Sprintf(
		"The whole class is asking at once and your request waited %s without getting a turn. Wait a minute, then run the cell again.",
		durationWords(r.cfg.Queue.MaxWait.D()))})
	ex.status, ex.outcome = e.status, "queue timeout"
	if ex.stream {
		w.Write(e.event())
		http.NewResponseController(w).Flush()
		return
	}
	e.write(w)
}
