package classview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/gradebook"
)

const (
	// keepAlive is how often an idle event stream gets a comment, and the
	// session is checked again.
	keepAlive = 15 * time.Second
	// maxStreams bounds the event streams open at once.
	maxStreams = 64
	// idleAfter is how long after the last page or download the class is
	// still read without an open event stream.
	idleAfter = time.Minute
)

// snapshot is the class as last read: the graded book (for downloads), the
// view and its rendered fragment, and the event that carries it.
type snapshot struct {
	version int
	book    *gradebook.Book
	view    *View
	frag    []byte // the "live" part of the page
	event   []byte // the SSE event carrying frag
	at      time.Time
}

// live holds the latest snapshot and wakes the event streams when it changes.
type live struct {
	mu      sync.Mutex
	cur     *snapshot
	streams map[chan struct{}]bool
	wanted  time.Time // when a page or a download last asked for the class
}

// want records that a page or a download asked for the class.
func (l *live) want(now time.Time) {
	l.mu.Lock()
	l.wanted = now
	l.mu.Unlock()
}

// idle reports whether nobody has looked for a while: no event stream is
// open and no page was asked for since quiet ago. The homes are then not
// read until someone looks.
func (l *live) idle(now time.Time, quiet time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams) == 0 && now.Sub(l.wanted) > quiet
}

func newLive() *live { return &live{cur: &snapshot{}, streams: map[chan struct{}]bool{}} }

// publish stores a snapshot when its fragment differs from the current one,
// and wakes every stream; it reports whether it did.
func (l *live) publish(s *snapshot) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur.frag != nil && bytes.Equal(l.cur.frag, s.frag) {
		// The same page, from a fresher reading: a new snapshot (readers may
		// hold the old one), with the same version and event.
		s.version, s.frag, s.event = l.cur.version, l.cur.frag, l.cur.event
		l.cur = s
		return false
	}
	s.version = l.cur.version + 1
	payload, _ := json.Marshal(map[string]any{"version": s.version, "html": string(s.frag)})
	s.event = fmt.Appendf(nil, "id: %d\nevent: live\ndata: %s\n\n", s.version, payload)
	l.cur = s
	for ch := range l.streams {
		select {
		case ch <- struct{}{}:
		default: // already woken
		}
	}
	return true
}

func (l *live) current() *snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// subscribe returns a channel woken on every change, or nil when too many
// streams are open.
func (l *live) subscribe() (chan struct{}, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.streams) >= maxStreams {
		return nil, nil
	}
	ch := make(chan struct{}, 1)
	l.streams[ch] = true
	return ch, func() {
		l.mu.Lock()
		delete(l.streams, ch)
		l.mu.Unlock()
	}
}

// Refresh reads the whole class once: the hub's users, the relay, and every
// student's answers. Call it before serving, so that the first page is whole.
func (s *Server) Refresh(ctx context.Context) {
	s.refreshSlow(ctx)
	s.refresh()
}

// Run reads the class until ctx ends: the students' answers every poll, the
// hub's users and the relay every hub_poll, publishing every change to the
// open pages. While no page is open (for a minute), nothing is read; the
// next page reads the class first.
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.watchRelay(ctx) }()
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.cfg.HubPoll.D())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !s.live.idle(s.now(), idleAfter) {
					s.refreshSlow(ctx)
					s.refresh()
				}
			}
		}
	}()
	t := time.NewTicker(s.cfg.Poll.D())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
			if !s.live.idle(s.now(), idleAfter) {
				s.refresh()
			}
		}
	}
}

// refreshSlow asks the hub for its users and reads the relay.
func (s *Server) refreshSlow(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.HubTimeout.D())
	defer cancel()
	users, err := s.hub.ListUsers(ctx)
	if errors.Is(err, hub.ErrTokenRefused) {
		err = fmt.Errorf("%v: the class view's token may not list the users; give the service the role of classroom/class_view_service.py (scopes list:users, read:users, read:servers)", err)
	}
	ri := readRelay(ctx, s.cfg.Relay.URL, s.hub, s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.relay = ri
	if err != nil {
		s.hubErr = fmt.Sprintf("Who is online is not known: %v.", err)
		s.logf("class-view: %s", s.hubErr)
		return
	}
	s.hubErr = ""
	s.users = map[string]*hub.User{}
	for i := range users {
		s.users[users[i].Name] = &users[i]
	}
}

// refresh reads every student's answers, grades them and publishes the
// result. Only one refresh runs at a time.
func (s *Server) refresh() {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.mu.Lock()
	users, ri, hubErr := s.users, s.relay, s.hubErr
	s.mu.Unlock()
	lessons := s.lessonsNow()
	b := gradebook.New("the home folders "+s.cfg.Homes, lessons)
	for name, u := range users {
		if !s.skip(name, u) {
			b.AddStudent(name)
		}
	}
	s.homes.read(b, func(name string) bool { return s.skip(name, users[name]) })
	b.Finish()
	if hubErr != "" {
		ri.notices = append([]string{hubErr}, ri.notices...)
	}
	v := buildView(b, users, ri, ri.perDay)
	v.Class = s.panel(v.names())
	s.publishView(b, v)
}

// publishView renders v's live part and publishes it; the caller holds
// s.refreshMu.
func (s *Server) publishView(b *gradebook.Book, v *View) {
	var frag bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&frag, "live", v); err != nil {
		s.logf("class-view: rendering the page: %v", err)
		return
	}
	s.live.publish(&snapshot{book: b, view: v, frag: frag.Bytes(), at: s.now()})
}

// skip reports whether a user's answers are not the class's: hub admins
// (teachers trying the lesson), services and excluded users.
func (s *Server) skip(name string, u *hub.User) bool {
	return s.exclude[name] || (u != nil && (u.Admin || u.Kind == "service"))
}

// lessonsNow returns the lessons, read again when a lesson notebook changed.
func (s *Server) lessonsNow() *gradebook.Lessons {
	sig := ""
	for _, p := range s.lessons.Paths {
		if info, err := os.Stat(p); err == nil {
			sig += fmt.Sprintf("%s|%d|%d;", p, info.Size(), info.ModTime().UnixNano())
		}
	}
	if sig != s.lessonSig {
		s.lessons = gradebook.LoadLessons(s.cfg.Lessons...)
		s.lessonSig = sig
	}
	return s.lessons
}

// events streams the page's live part as server-sent events: "live" events
// whose data is {"version": n, "html": fragment}, one at once and one on
// every change; a comment every 15 s; "signedout" when the session ends.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, true); !ok {
		return
	}
	s.fresh(r.Context())
	wake, done := s.live.subscribe()
	if wake == nil {
		textError(w, http.StatusServiceUnavailable, "Too many class views are open; close some tabs and reload.")
		return
	}
	defer done()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	sent := -1
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		if cur := s.live.current(); cur.version != sent && cur.event != nil {
			if _, err := w.Write(cur.event); err != nil {
				return
			}
			sent = cur.version
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-tick.C:
			if sess, _ := s.auth.current(r); sess == nil || s.auth.allowed(sess.user) != "" {
				fmt.Fprint(w, "event: signedout\ndata: {}\n\n")
				_ = rc.Flush()
				return
			}
			fmt.Fprint(w, ": keep-alive\n\n")
		}
	}
}
