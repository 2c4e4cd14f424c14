package relay

import (
	"errors"
	"sync"
	"time"
)

// A Gate decides when the next upstream request may start. The Queue calls
// its methods with its lock held, one at a time.
type upstreamGate interface {
	// Take takes a turn if one is free at now. When none is, it returns
	// false and how long until one may be free (0: when a turn is released).
	Take(now time.Time) (ok bool, retry time.Duration)
	// Release returns the turn of a request that ended.
	Release()
}

// windowGate is the class-wide upstream limit: at most PerMinute requests
// started in any 60 seconds (a sliding window, exact, as OpenRouter counts
// "20 requests per minute"), and at most MaxActive at once. Zero turns
// either off.
type windowGate struct {
	perMinute int
	maxActive int
	active    int
	starts    []time.Time // start times within the last minute, oldest first
	paused    time.Time
}

// newWindowGate returns a windowGate; 0 turns a limit off.
func newWindowGate(perMinute, maxActive int) *windowGate {
	return &windowGate{perMinute: perMinute, maxActive: maxActive}
}

// Take implements Gate.
func (g *windowGate) Take(now time.Time) (bool, time.Duration) {
	if now.Before(g.paused) {
		return false, g.paused.Sub(now)
	}
	if g.maxActive > 0 && g.active >= g.maxActive {
		return false, 0
	}
	if g.perMinute > 0 {
		cut := 0
		for cut < len(g.starts) && !now.Before(g.starts[cut].Add(time.Minute)) {
			cut++
		}
		g.starts = g.starts[cut:]
		if len(g.starts) >= g.perMinute {
			return false, g.starts[0].Add(time.Minute).Sub(now)
		}
		g.starts = append(g.starts, now)
	}
	g.active++
	return true, 0
}

// Release implements Gate.
func (g *windowGate) Release() {
	if g.active > 0 {
		g.active--
	}
}

// PauseUntil starts no request before t: the upstream said it is over its
// own limit (a 429 with Retry-After).
func (g *windowGate) PauseUntil(t time.Time) {
	if t.After(g.paused) {
		g.paused = t
	}
}

// errQueueFull is returned by Enqueue when queue.max_waiting requests wait.
var errQueueFull = errors.New("the class queue is full")

// fairQueue is the class-wide fair queue in front of the upstream: students with
// waiting requests take turns round-robin (one request each per round, in
// the order they started waiting), and each student's requests go in the
// order they came (FIFO). So one student's many requests cannot starve the
// others.
type fairQueue struct {
	gate upstreamGate
	now  func() time.Time
	max  int

	mu      sync.Mutex
	waiting map[string][]*ticket
	active  []string // students with waiting tickets, next turn first
	total   int
	timer   *time.Timer
}

// ticket is one request's place in the Queue.
type ticket struct {
	q       *fairQueue
	student string
	ready   chan struct{} // closed when the turn is granted
	changed chan struct{} // gets a value when ahead changes
	ahead   int           // guarded by q.mu
	state   int           // guarded by q.mu
}

// Ticket states.
const (
	ticketWaiting = iota
	ticketGranted
	ticketClosed
)

// newFairQueue returns a Queue granting turns from gate, with at most maxWaiting
// requests waiting (0: no bound); now nil means time.Now.
func newFairQueue(gate upstreamGate, maxWaiting int, now func() time.Time) *fairQueue {
	if now == nil {
		now = time.Now
	}
	return &fairQueue{gate: gate, now: now, max: maxWaiting, waiting: map[string][]*ticket{}}
}

// Enqueue puts a request of student in the queue. The ticket's Ready channel
// is already closed when a turn was free. Close the ticket when the request
// ends, whether it got a turn or not.
func (q *fairQueue) Enqueue(student string) (*ticket, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.max > 0 && q.total >= q.max {
		return nil, errQueueFull
	}
	t := &ticket{q: q, student: student, ready: make(chan struct{}), changed: make(chan struct{}, 1)}
	if len(q.waiting[student]) == 0 {
		q.active = append(q.active, student)
	}
	q.waiting[student] = append(q.waiting[student], t)
	q.total++
	q.pumpLocked()
	return t, nil
}

// Waiting returns the number of requests waiting for a turn.
func (q *fairQueue) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// Pump grants the turns the gate has free; call it when the gate may have
// changed (it is also called on every enqueue and close, and by a timer).
func (q *fairQueue) Pump() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pumpLocked()
}

// PauseUntil passes t to the gate when it is a *windowGate; see
// windowGate.PauseUntil.
func (q *fairQueue) PauseUntil(t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if g, ok := q.gate.(*windowGate); ok {
		g.PauseUntil(t)
	}
}

// pumpLocked grants turns while the gate allows and updates positions.
func (q *fairQueue) pumpLocked() {
	for q.total > 0 {
		ok, retry := q.gate.Take(q.now())
		if !ok {
			if retry > 0 {
				if q.timer != nil {
					q.timer.Stop()
				}
				q.timer = time.AfterFunc(retry, q.Pump)
			}
			break
		}
		student := q.active[0]
		list := q.waiting[student]
		t := list[0]
		q.active = q.active[1:]
		if len(list) > 1 {
			q.waiting[student] = list[1:]
			q.active = append(q.active, student)
		} else {
			delete(q.waiting, student)
		}
		q.total--
		t.state = ticketGranted
		close(t.ready)
	}
	q.updatePositions()
}

// updatePositions recomputes how many requests are ahead of each waiting
// one and signals those whose count changed. The k-th waiting request
// (from 0) of the student at place p in the round goes in round k, after
// one request of each student before it in that round.
func (q *fairQueue) updatePositions() {
	for p, s := range q.active {
		for k, t := range q.waiting[s] {
			ahead := k
			for i, other := range q.active {
				if i == p {
					continue
				}
				n := k
				if i < p {
					n = k + 1
				}
				ahead += min(len(q.waiting[other]), n)
			}
			if ahead != t.ahead {
				t.ahead = ahead
				select {
				case t.changed <- struct{}{}:
				default:
				}
			}
		}
	}
}

// Ready is closed when the request may start.
func (t *ticket) Ready() <-chan struct{} { return t.ready }

// Changed gets a value when Ahead changes.
func (t *ticket) Changed() <-chan struct{} { return t.changed }

// Ahead returns how many requests will start before this one, as the queue
// stands now (0: it is next).
func (t *ticket) Ahead() int {
	t.q.mu.Lock()
	defer t.q.mu.Unlock()
	return t.ahead
}

// Close leaves the queue (a cancelled request) or returns the turn (a
// request that ended). It is safe to call more than once.
func (t *ticket) Close() {
	q := t.q
	q.mu.Lock()
	defer q.mu.Unlock()
	switch t.state {
	case ticketWaiting:
		list := q.waiting[t.student]
		for i, x := range list {
			if x == t {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		q.total--
		if len(list) == 0 {
			delete(q.waiting, t.student)
			for i, s := range q.active {
				if s == t.student {
					q.active = append(q.active[:i:i], q.active[i+1:]...)
					break
				}
			}
		} else {
			q.waiting[t.student] = list
		}
	case ticketGranted:
		q.gate.Release()
	default:
		return
	}
	t.state = ticketClosed
	q.pumpLocked()
}
