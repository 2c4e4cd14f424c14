package relay

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/k12notebooks/golessons/classapi"
)

// errStoppedByTeacher is the cause of a request the teacher stopped with
// "stop now".
var errStoppedByTeacher = errors.New("stopped by the teacher")

// activeSet holds the requests in progress (waiting or answering), so that
// the teacher's "stop now" can end them. Its methods are safe for
// concurrent use.
type activeSet struct {
	mu sync.Mutex
	m  map[*activeReq]bool
}

// activeReq is one request in progress.
type activeReq struct {
	student string
	cancel  context.CancelCauseFunc
}

// add registers a request of student; the returned func removes it.
func (a *activeSet) add(student string, cancel context.CancelCauseFunc) func() {
	r := &activeReq{student: student, cancel: cancel}
	a.mu.Lock()
	if a.m == nil {
		a.m = map[*activeReq]bool{}
	}
	a.m[r] = true
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.m, r)
		a.mu.Unlock()
	}
}

// stop ends the requests of student ("" for every student) with
// errStoppedByTeacher and returns how many it ended.
func (a *activeSet) stop(student string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for r := range a.m {
		if student == "" || r.student == student {
			r.cancel(errStoppedByTeacher)
			n++
		}
	}
	return n
}

// trackWriter is the student's ResponseWriter, noting whether the response
// has begun (so that a stopped request ends with an error event or an
// error response).
type trackWriter struct {
	http.ResponseWriter
	began bool
}

// WriteHeader implements http.ResponseWriter.
func (t *trackWriter) WriteHeader(code int) {
	t.began = true
	t.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (t *trackWriter) Write(p []byte) (int, error) {
	t.began = true
	return t.ResponseWriter.Write(p)
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (t *trackWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// pausedError is the relay's refusal while the AI is paused for a student
// (stopped: a request in progress that the teacher stopped).
func pausedError(stopped bool) *apiError {
	msg := "Your teacher has paused the AI for now, so this request was not sent."
	if stopped {
		msg = "Your teacher stopped the AI, so this answer was stopped here."
	}
	return newError(http.StatusForbidden, classapi.TypePaused, msg)
}

// endStopped answers a request the teacher stopped: an error event when
// the stream had begun, else an error response.
func (r *Relay) endStopped(w *trackWriter, req *http.Request, ex *exchange) {
	if !errors.Is(context.Cause(req.Context()), errStoppedByTeacher) {
		return
	}
	e := pausedError(true)
	ex.status, ex.outcome = e.status, "stopped by the teacher"
	if !w.began {
		e.write(w)
		return
	}
	if ex.stream {
		writeFlush(w, http.NewResponseController(w), e.event())
	}
}
