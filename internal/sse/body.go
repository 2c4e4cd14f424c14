// Package sse repairs the server-sent event streams of OpenAI-compatible
// servers on their way to go-openai (Body), reads the chunks of a chat
// completion stream (ParseChunk, Read), and hears the class relay's queue
// comments (Listener).
package sse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/wire"
)

// maxSSELine bounds the memory one server-sent line or event may take.
const maxSSELine = 16 << 20

// Body rewrites a server-sent event stream, as it arrives, into the form
// go-openai's stream reader handles without surprises: one "data: <payload>"
// line followed by a blank line per event, "\n" line endings, nothing else.
//
// go-openai reads each line on its own. Lines that are not data lines (SSE
// comments such as ": OPENROUTER PROCESSING") are counted as empty messages
// and copied into the buffer it later parses as an error, so a
// "data: {"error": ...}" line after a keep-alive comment comes out as
// "unexpected end of JSON input". A stream that simply stops reads as a clean
// end. Body therefore
//
//   - accepts "\r\n", "\r" and "\n" line endings and "data:" with or without
//     a space, and joins multi-line data fields as the SSE specification says;
//   - drops comments and the id, retry and event fields;
//   - rewrites an error chunk (a top-level "error" object anywhere in the
//     payload, as OpenRouter sends mid-stream with finish_reason "error", or a
//     string error, or an SSE "error" event) into
//     data: {"error": {"message": ...}}, which go-openai returns as an
//     *openai.APIError carrying the provider's message;
//   - ends with an error wrapping ErrEndedEarly when the stream stops before
//     "data: [DONE]" and before any finish_reason, and with the context's
//     error when the request was cancelled.
//
// It reads one event at a time: nothing is buffered beyond the current line.
type Body struct {
	ctx context.Context
	src io.ReadCloser
	r   *bufio.Reader

	out []byte // rewritten bytes not yet read
	off int    // read position in out
	err error  // returned once out is drained

	data  []byte   // data field of the event being read
	scan  jsonScan // how far data is a JSON object, read incrementally
	event []byte   // event field of the event being read
	long  []byte   // a line longer than the bufio buffer, being assembled

	sawDone   bool // "data: [DONE]" arrived
	sawFinish bool // a chunk with a finish_reason arrived

	// Wait hears the class relay's "waiting for a free turn" comments; nil
	// when nobody listens.
	Wait    Listener
	waiting bool // a waiting comment came and no event since

	// OnError, when set, receives each error event as rewritten
	// ({"error": {...}}), for error messages that need more than go-openai
	// keeps.
	OnError func(event []byte)
}

// Listener is told where a request stands in the class relay's queue.
type Listener interface {
	// Ahead says a comment said n requests are ahead.
	Ahead(n int)
	// Turn says the first event after waiting came, or the stream ended.
	Turn()
}

// ErrEndedEarly is wrapped by the error a stream returns when the connection
// ended before the server said the answer was complete. The text received
// until then is still valid.
var ErrEndedEarly = errors.New("the connection ended early")

// NewBody wraps the body of a server-sent event response. Reads end with
// ctx's error once ctx is done.
func NewBody(ctx context.Context, src io.ReadCloser) *Body {
	return &Body{ctx: ctx, src: src, r: bufio.NewReaderSize(src, 32<<10)}
}

// Read implements io.Reader.
func (b *Body) Read(p []byte) (int, error) {
	for b.off >= len(b.out) {
		if b.err != nil {
			return 0, b.err
		}
		b.out, b.off = b.out[:0], 0
		b.fill()
	}
	n := copy(p, b.out[b.off:])
	b.off += n
	return n, nil
}

// Close implements io.Closer.
func (b *Body) Close() error { return b.src.Close() }

// fill reads lines until it has output or the stream ended.
func (b *Body) fill() {
	for len(b.out) == 0 && b.err == nil {
		line, err := b.readLine()
		if line != nil {
			// A lone "\r" also ends a line.
			for {
				i := bytes.IndexByte(line, '\r')
				if i < 0 {
					break
				}
				b.processLine(line[:i])
				line = line[i+1:]
			}
			b.processLine(line)
		}
		if err != nil {
			b.end(err)
		}
	}
}

// readLine returns the next line without its "\n" (and "\r\n"). At the end of
// the input it returns the last unterminated line, if any, with the error.
func (b *Body) readLine() ([]byte, error) {
	b.long = b.long[:0]
	for {
		frag, err := b.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(b.long)+len(frag) > maxSSELine {
				return nil, fmt.Errorf("the server sent a line longer than %d MiB, so the stream was stopped", maxSSELine>>20)
			}
			b.long = append(b.long, frag...)
			continue
		}
		if len(b.long) > 0 {
			b.long = append(b.long, frag...)
			frag = b.long
		}
		if err != nil {
			if len(frag) == 0 {
				return nil, err
			}
			return frag, err
		}
		frag = frag[:len(frag)-1]
		if n := len(frag); n > 0 && frag[n-1] == '\r' {
			frag = frag[:n-1]
		}
		return frag, nil
	}
}

var (
	fieldData  = []byte("data")
	fieldEvent = []byte("event")
	doneMarker = []byte("[DONE]")
)

// processLine handles one line of the event stream.
func (b *Body) processLine(line []byte) {
	if len(line) == 0 {
		b.dispatch()
		return
	}
	if line[0] == ':' {
		// A comment, e.g. ": OPENROUTER PROCESSING", or the class relay's
		// place in its queue.
		if n := classapi.ParseWaiting(line); n >= 0 && b.Wait != nil {
			b.waiting = true
			b.Wait.Ahead(n)
		}
		return
	}
	if b.waiting {
		b.waiting = false
		b.Wait.Turn()
	}
	if line[0] == '{' {
		// A bare JSON line (some servers send an error this way): treat it
		// as an event of its own.
		b.dispatch()
		b.emit(line)
		return
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch {
	case bytes.Equal(field, fieldData):
		b.addData(value)
	case bytes.Equal(field, fieldEvent):
		b.event = append(b.event[:0], value...)
	}
}

// addData adds a data field to the current event. A payload that is already
// complete (valid JSON, or [DONE]) is sent at once, without waiting for the
// blank line, so that each token is delivered as soon as it arrives.
func (b *Body) addData(value []byte) {
	if len(b.data) > 0 {
		b.data = append(b.data, '\n')
	}
	if len(b.data)+len(value) > maxSSELine {
		b.err = fmt.Errorf("the server sent an event longer than %d MiB, so the stream was stopped", maxSSELine>>20)
		return
	}
	start := len(b.data)
	b.data = append(b.data, value...)
	// Only the new bytes are scanned, so an event of many data lines costs
	// time linear in its size; json.Valid runs once, when the braces close.
	if bytes.Equal(b.data, doneMarker) || b.scan.feed(b.data[start:]) && json.Valid(b.data) {
		b.dispatch()
	}
}

// jsonScan follows the braces and strings of a JSON text fed piece by piece
// and tells when it has just closed its outermost object. The zero value is
// ready for a new text.
type jsonScan struct {
	depth    int
	inString bool
	escaped  bool
	started  bool // the text began with "{"
	broken   bool // the text is not a JSON object: never complete
}

// feed scans p, the next bytes of the text, and reports whether the text
// now ends with the close of its outermost object.
func (s *jsonScan) feed(p []byte) bool {
	closed := false
	for _, c := range p {
		if s.broken {
			return false
		}
		closed = false
		switch {
		case s.inString:
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
			case c == '"':
				s.inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			closed = s.started && s.depth == 0
		case !s.started:
			s.started, s.depth, s.broken = true, 1, c != '{'
		case s.depth == 0:
			s.broken = true // more after the object
		case c == '"':
			s.inString = true
		case c == '{' || c == '[':
			s.depth++
		case c == '}' || c == ']':
			s.depth--
			closed = s.depth == 0
		}
	}
	return closed && !s.broken
}

// dispatch sends the current event, if it has data.
func (b *Body) dispatch() {
	defer func() { b.data, b.event, b.scan = b.data[:0], b.event[:0], jsonScan{} }()
	if len(b.data) == 0 {
		return
	}
	if string(b.event) == "error" {
		b.emitError(eventErrorObject(b.data), nil)
		return
	}
	// Data lines joined with "\n" are JSON whitespace; keep one line.
	for i, c := range b.data {
		if c == '\n' {
			b.data[i] = ' '
		}
	}
	b.emit(b.data)
}

// emit writes one payload as a data line.
func (b *Body) emit(payload []byte) {
	payload = bytes.TrimSpace(payload)
	if bytes.Equal(payload, doneMarker) {
		b.sawDone = true
		b.out = append(b.out, "data: [DONE]\n\n"...)
		return
	}
	if errObj, rest := chunkError(payload); errObj != nil {
		b.emitError(errObj, rest)
		return
	}
	if hasFinishReason(payload) {
		b.sawFinish = true
	}
	b.out = append(b.out, "data: "...)
	b.out = append(b.out, payload...)
	b.out = append(b.out, "\n\n"...)
}

// emitError writes an error event in the form go-openai recognises, after
// the rest of the chunk when that still carries text, and passes it to
// OnError.
func (b *Body) emitError(errObj, rest []byte) {
	if rest != nil {
		b.out = append(b.out, "data: "...)
		b.out = append(b.out, rest...)
		b.out = append(b.out, "\n\n"...)
	}
	line := append([]byte(`{"error":`), errObj...)
	line = append(line, '}')
	if b.OnError != nil {
		b.OnError(line)
	}
	b.out = append(b.out, "data: "...)
	b.out = append(b.out, line...)
	b.out = append(b.out, "\n\n"...)
}

// end records why the input stopped.
func (b *Body) end(err error) {
	if b.waiting {
		b.waiting = false
		b.Wait.Turn()
	}
	b.dispatch()
	if b.err != nil {
		return
	}
	switch {
	case b.ctx != nil && b.ctx.Err() != nil:
		b.err = b.ctx.Err()
	case b.sawDone || b.sawFinish:
		// The answer is complete even if the closing lines are missing.
		b.err = io.EOF
	case errors.Is(err, io.EOF):
		b.err = fmt.Errorf("%w: the server closed the stream before saying it was done", ErrEndedEarly)
	default:
		b.err = fmt.Errorf("%w: %v", ErrEndedEarly, err)
	}
}

var (
	keyError        = []byte(`"error"`)
	keyFinishReason = []byte(`"finish_reason"`)
)

// hasFinishReason reports whether a chunk has a finish_reason that is a
// string (not null).
func hasFinishReason(p []byte) bool {
	for {
		i := bytes.Index(p, keyFinishReason)
		if i < 0 {
			return false
		}
		p = p[i+len(keyFinishReason):]
		j := 0
		for j < len(p) && (p[j] == ' ' || p[j] == ':' || p[j] == '\t') {
			j++
		}
		if j < len(p) && p[j] == '"' {
			return true
		}
	}
}

// chunkError returns the normalised error object of a payload that has a
// top-level "error" (nil otherwise) and, when the chunk also carries text,
// the chunk without its error so that text is not lost.
func chunkError(p []byte) (errObj, rest []byte) {
	if !bytes.Contains(p, keyError) {
		return nil, nil // cheap test: a JSON key "error" cannot hide in escaped text
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(p, &top) != nil {
		return nil, nil
	}
	raw, ok := top["error"]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	errObj = normaliseErrorObject(raw)
	delete(top, "error")
	if chunkHasText(top["choices"]) {
		rest, _ = json.Marshal(top)
	}
	return errObj, rest
}

// chunkHasText reports whether a choices array carries any content or
// reasoning text.
func chunkHasText(choices json.RawMessage) bool {
	if len(choices) == 0 {
		return false
	}
	var cs []struct {
		Delta wire.Delta `json:"delta"`
	}
	if json.Unmarshal(choices, &cs) != nil {
		return false
	}
	for _, c := range cs {
		if c.Delta.Content != "" || c.Delta.ReasoningText() != "" {
			return true
		}
	}
	return false
}

// normaliseErrorObject turns an error value into an object with a string
// "message", the shape go-openai's APIError decodes.
func normaliseErrorObject(raw json.RawMessage) []byte {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		out, _ := json.Marshal(map[string]string{"message": s})
		return out
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		out, _ := json.Marshal(map[string]string{"message": string(raw)})
		return out
	}
	if m, ok := obj["message"]; ok {
		var ms string
		var ml []string
		if json.Unmarshal(m, &ms) == nil && ms != "" || json.Unmarshal(m, &ml) == nil && len(ml) > 0 {
			return raw
		}
	}
	msg := "the provider reported an error"
	var t string
	if json.Unmarshal(obj["type"], &t) == nil && t != "" {
		msg += " (" + t + ")"
	} else if c, ok := obj["code"]; ok {
		msg += " (code " + string(c) + ")"
	}
	obj["message"], _ = json.Marshal(msg)
	out, _ := json.Marshal(obj)
	return out
}

// eventErrorObject returns the error object of an SSE "error" event's data.
func eventErrorObject(data []byte) []byte {
	data = bytes.TrimSpace(data)
	if errObj, _ := chunkError(data); errObj != nil {
		return errObj
	}
	if json.Valid(data) {
		return normaliseErrorObject(data)
	}
	out, _ := json.Marshal(map[string]string{"message": string(data)})
	return out
}
