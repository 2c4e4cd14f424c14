package relay

import (
	"fmt"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"

	"golang.org/x/time/rate"

	"github.com/k12notebooks/golessons/internal/plural"
)

// concurrentRetry is the Retry-After sent with a concurrent_streams 429:
// there is no telling when a student's other answer ends.
const concurrentRetry = 5 * time.Second

// limitRefusal is a refusal by a per-student or class-wide limit: a 429 with
// Retry-After.
type limitRefusal struct {
	// Type is one of classapi.TypePerMinute, classapi.TypePerDay, classapi.TypeConcurrent,
	// classapi.TypeQueueTimeout, classapi.TypeQueueFull.
	Type string
	// Limit is the limit that was reached.
	Limit int
	// RetryAfter is how long to wait before trying again.
	RetryAfter time.Duration
	// ResetAt, for classapi.TypePerDay, is when the day's count starts again.
	ResetAt time.Time
	// Message says, for a student, what happened and when to try again.
	Message string
}

// Error implements error.
func (e *limitRefusal) Error() string { return e.Message }

// studentState is the limiter's state for one student.
type studentState struct {
	minute *rate.Limiter
	open   int
}

// studentLimiter enforces the per-student limits of classapi.Limits: requests per minute (a
// token bucket from golang.org/x/time/rate holding a minute's requests),
// requests per day (counted in Usage, so a restart does not reset it) and
// requests open at once.
type studentLimiter struct {
	cfg   classapi.Limits
	usage *usageStore
	now   func() time.Time

	mu       sync.Mutex
	students map[string]*studentState
}

// newStudentLimiter returns a studentLimiter for cfg counting days in usage; now nil means
// time.Now.
func newStudentLimiter(cfg classapi.Limits, usage *usageStore, now func() time.Time) *studentLimiter {
	if now == nil {
		now = time.Now
	}
	return &studentLimiter{cfg: cfg, usage: usage, now: now, students: map[string]*studentState{}}
}

// Admit decides whether student may start a request now. On success it
// counts the request in Usage and returns a release function to call once
// when the request ends; on refusal it counts the refusal and returns a
// *limitRefusal.
func (l *studentLimiter) Admit(student string) (release func(), err *limitRefusal) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.students[student]
	if st == nil {
		st = &studentState{}
		if n := l.cfg.RequestsPerMinute; n > 0 {
			st.minute = rate.NewLimiter(rate.Limit(float64(n)/60), n)
		}
		l.students[student] = st
	}
	if err := l.check(st, student, now); err != nil {
		l.usage.Limited(student, now)
		return nil, err
	}
	st.open++
	l.usage.Begin(student, now)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			st.open--
			l.mu.Unlock()
		})
	}, nil
}

// check returns the first limit st is over, consuming a minute token when
// none is.
func (l *studentLimiter) check(st *studentState, student string, now time.Time) *limitRefusal {
	if n := l.cfg.ConcurrentStreams; n > 0 && st.open >= n {
		return &limitRefusal{Type: classapi.TypeConcurrent, Limit: n, RetryAfter: concurrentRetry, Message: fmt.Sprintf(
			"You already have %s being written (this class allows %d at a time for each student). "+
				"Wait for one to finish, or stop it with ■, then run the cell again.", plural.Count(st.open, "answer"), n)}
	}
	if n := l.cfg.RequestsPerDay; n > 0 && l.usage.RequestsOn(student, now) >= n {
		reset := nextMidnight(now)
		return &limitRefusal{Type: classapi.TypePerDay, Limit: n, RetryAfter: reset.Sub(now), ResetAt: reset, Message: fmt.Sprintf(
			"You have used all %d of today's requests (this class allows %d requests per day for each student). "+
				"The count starts again at midnight, %s.", n, n, inWords(reset.Sub(now)))}
	}
	if st.minute != nil {
		r := st.minute.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			n := l.cfg.RequestsPerMinute
			return &limitRefusal{Type: classapi.TypePerMinute, Limit: n, RetryAfter: d, Message: fmt.Sprintf(
				"Too many requests from you: this class allows %d requests per minute for each student. "+
					"Wait %s, then run the cell again.", n, durationWords(d))}
		}
	}
	return nil
}

// nextMidnight returns the start of the day after t, in t's location.
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// inWords writes a wait as "in 8 s", "in 3 min" or "in 5 h 10 min".
func inWords(d time.Duration) string { return "in " + durationWords(d) }

// durationWords writes a duration as "8 s", "3 min" or "5 h 10 min", rounded up.
func durationWords(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "1 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	}
	h, m := int(d/time.Hour), int((d%time.Hour+time.Minute-1)/time.Minute)
	if m == 60 {
		h, m = h+1, 0
	}
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}
