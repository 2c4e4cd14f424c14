package relay

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// ConversationsDir is the folder of kept conversations in the state
// directory: <day>/<student>.jsonl, one classapi.Exchange a line.
const ConversationsDir = "conversations"

// seenFile lists the exchanges whose alerts the teacher marked seen.
const seenFile = "seen.json"

const (
	// maxRecent bounds the exchange summaries kept in memory.
	maxRecent = 2000
	// maxListed bounds the exchanges GET teacher lists (besides the
	// flagged ones not yet seen).
	maxListed = 300
	// longPoll is the longest GET teacher?version=N waits for a change.
	longPoll = 25 * time.Second
	// maxExchangeLine bounds one line of a conversation file.
	maxExchangeLine = 16 << 20
)

// errNoExchange means an exchange id names no kept exchange.
var errNoExchange = errors.New("no such exchange")

// exchangeID is the form of classapi.Exchange.ID.
var exchangeID = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})~([A-Za-z0-9._@-]+)~[0-9]+$`)

// convStore keeps the class's exchanges: each in full in its student's
// file of the day, and a summary of the latest ones in memory for the
// teacher's live view. With keep off it keeps nothing. Its methods are
// safe for concurrent use.
type convStore struct {
	dir       string // <state_dir>/conversations; "" keeps files nowhere
	keep      bool
	retention int // days
	now       func() time.Time
	logf      func(string, ...any)

	mu      sync.Mutex
	recent  []*classapi.ExchangeSummary // oldest first
	byID    map[string]*classapi.ExchangeSummary
	seen    map[string]bool
	version int64
	changed chan struct{} // closed and replaced on every change
	lastID  int64
	safety  string // the safety model's last problem, "" when it answered
}

// openConversations opens the kept conversations under stateDir, loading
// the latest summaries and the seen marks.
func openConversations(stateDir string, keep bool, retention int, now func() time.Time, logf func(string, ...any)) (*convStore, error) {
	c := &convStore{keep: keep, retention: retention, now: now, logf: logf, byID: map[string]*classapi.ExchangeSummary{},
		seen: map[string]bool{}, changed: make(chan struct{}), version: now().UnixNano()}
	if !keep || stateDir == "" {
		return c, nil
	}
	c.dir = filepath.Join(stateDir, ConversationsDir)
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the conversations folder: %w (set state_dir to a folder the relay may write)", err)
	}
	if b, err := os.ReadFile(filepath.Join(c.dir, seenFile)); err == nil {
		_ = json.Unmarshal(b, &c.seen)
	}
	c.sweep()
	c.load()
	return c, nil
}

// days returns the day folders, oldest first.
func (c *convStore) days() []string {
	entries, _ := os.ReadDir(c.dir)
	var out []string
	for _, e := range entries {
		if _, err := time.Parse(classapi.DayLayout, e.Name()); err == nil && e.IsDir() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// load reads the summaries of the latest days, newest first, until
// maxRecent are in memory.
func (c *convStore) load() {
	var all []*classapi.ExchangeSummary
	days := c.days()
	for i := len(days) - 1; i >= 0 && len(all) < maxRecent; i-- {
		files, _ := filepath.Glob(filepath.Join(c.dir, days[i], "*.jsonl"))
		for _, f := range files {
			_ = eachExchange(f, func(e *classapi.Exchange) bool {
				all = append(all, summarize(e, c.seen[e.ID]))
				return true
			})
		}
	}
	slices.SortFunc(all, func(a, b *classapi.ExchangeSummary) int { return a.Time.Compare(b.Time) })
	if len(all) > maxRecent {
		all = all[len(all)-maxRecent:]
	}
	c.recent = all
	for _, s := range all {
		c.byID[s.ID] = s
	}
}

// eachExchange calls f with each exchange of a conversation file until f
// returns false; damaged lines are skipped.
func eachExchange(path string, f func(*classapi.Exchange) bool) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), maxExchangeLine)
	for sc.Scan() {
		var e classapi.Exchange
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.ID != "" && !f(&e) {
			return nil
		}
	}
	return sc.Err()
}

// summarize returns the summary of e.
func summarize(e *classapi.Exchange, seen bool) *classapi.ExchangeSummary {
	_, last := promptText(e.Messages)
	return &classapi.ExchangeSummary{ID: e.ID, Time: e.Time, Student: e.Student, Model: e.Model,
		Prompt: classapi.Preview(last, classapi.PreviewLen), Answer: classapi.Preview(e.Answer, classapi.PreviewLen),
		Status: e.Status, Outcome: e.Outcome, Blocked: e.Blocked, Alerts: e.Alerts, Seen: seen || e.Seen, Done: e.Done}
}

// newID returns a new exchange id for student at t.
func (c *convStore) newID(student string, t time.Time) string {
	c.mu.Lock()
	n := max(t.UnixNano(), c.lastID+1)
	c.lastID = n
	c.mu.Unlock()
	return fmt.Sprintf("%s~%s~%d", t.Format(classapi.DayLayout), safeName(student), n)
}

// bump records a change and wakes the waiting readers; the caller holds c.mu.
func (c *convStore) bump() {
	c.version++
	close(c.changed)
	c.changed = make(chan struct{})
}

// Begin shows an exchange in progress (or refused) in the live view.
func (c *convStore) Begin(e *classapi.Exchange) {
	if !c.keep {
		return
	}
	s := summarize(e, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recent = append(c.recent, s)
	c.byID[s.ID] = s
	if len(c.recent) > maxRecent {
		delete(c.byID, c.recent[0].ID)
		c.recent = slices.Delete(c.recent, 0, 1)
	}
	c.bump()
}

// Finish keeps an exchange that ended: its file line, and its summary.
func (c *convStore) Finish(e *classapi.Exchange) error {
	if !c.keep {
		return nil
	}
	c.mu.Lock()
	if s := c.byID[e.ID]; s != nil {
		*s = *summarize(e, s.Seen)
		c.bump()
	}
	c.mu.Unlock()
	if c.dir == "" {
		return nil
	}
	return c.appendFile(e)
}

// appendFile appends e to its student's file of the day (mode 0600).
func (c *convStore) appendFile(e *classapi.Exchange) error {
	dir := filepath.Join(c.dir, e.Time.Format(classapi.DayLayout))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot keep an exchange: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("cannot keep an exchange: %w", err)
	}
	c.mu.Lock() // one writer at a time keeps lines whole
	defer c.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(dir, safeName(e.Student)+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot keep an exchange: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the kept exchange id, from its file.
func (c *convStore) Get(id string) (*classapi.Exchange, error) {
	m := exchangeID.FindStringSubmatch(id)
	if m == nil || c.dir == "" || strings.HasPrefix(m[2], ".") {
		return nil, errNoExchange
	}
	var found *classapi.Exchange
	err := eachExchange(filepath.Join(c.dir, m[1], m[2]+".jsonl"), func(e *classapi.Exchange) bool {
		if e.ID == id {
			found = e
		}
		return found == nil
	})
	if found == nil {
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		return nil, errNoExchange
	}
	c.mu.Lock()
	found.Seen = found.Seen || c.seen[id]
	c.mu.Unlock()
	return found, nil
}

// MarkSeen marks the alerts of the exchanges ids seen, and saves the marks.
func (c *convStore) MarkSeen(ids []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if exchangeID.MatchString(id) {
			c.seen[id] = true
			if s := c.byID[id]; s != nil {
				s.Seen = true
			}
		}
	}
	c.bump()
	return c.saveSeen()
}

// saveSeen writes the seen marks; the caller holds c.mu.
func (c *convStore) saveSeen() error {
	if c.dir == "" {
		return nil
	}
	b, err := json.Marshal(c.seen)
	if err == nil {
		err = writeFileAtomic(filepath.Join(c.dir, seenFile), b)
	}
	if err != nil {
		return fmt.Errorf("cannot save the seen marks: %w", err)
	}
	return nil
}

// sweep deletes the days older than the retention period: a day's folder
// goes once its last moment is retention days ago. Summaries and seen
// marks of deleted days go too.
func (c *convStore) sweep() {
	if c.dir == "" || c.retention <= 0 {
		return
	}
	y, m, d := c.now().Date()
	cutoff := time.Date(y, m, d, 0, 0, 0, 0, time.Local).AddDate(0, 0, -c.retention+1).Format(classapi.DayLayout)
	var gone []string
	for _, day := range c.days() {
		if day >= cutoff {
			break
		}
		if err := os.RemoveAll(filepath.Join(c.dir, day)); err != nil {
			c.logf("class-relay: cannot delete the conversations of %s (older than %d days): %v", day, c.retention, err)
			continue
		}
		gone = append(gone, day)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := func(id string) bool { return len(id) >= 10 && id[:10] < cutoff }
	c.recent = slices.DeleteFunc(c.recent, func(s *classapi.ExchangeSummary) bool { return old(s.ID) })
	changed := len(gone) > 0
	for id := range c.byID {
		if old(id) {
			delete(c.byID, id)
			changed = true
		}
	}
	for id := range c.seen {
		if old(id) {
			delete(c.seen, id)
		}
	}
	if changed {
		c.logf("class-relay: deleted the conversations of %d day(s) older than %d days", len(gone), c.retention)
		_ = c.saveSeen()
		c.bump()
	}
}

// Run sweeps every interval until ctx is done.
func (c *convStore) Run(ctx context.Context, interval time.Duration) {
	if c.dir == "" || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.sweep()
		}
	}
}

// State returns the teacher's state with settings s: the latest exchanges
// and every flagged one not yet seen, newest first.
func (c *convStore) State(s classapi.Settings) classapi.TeacherState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := classapi.TeacherState{Version: c.version, Kept: c.keep, RetentionDays: c.retention, Settings: s,
		Exchanges: []classapi.ExchangeSummary{}, SafetyModelProblem: c.safety}
	for i := len(c.recent) - 1; i >= 0; i-- {
		if e := c.recent[i]; len(c.recent)-i <= maxListed || e.Flagged() {
			st.Exchanges = append(st.Exchanges, *e)
		}
	}
	return st
}

// Changed bumps the version (the settings changed).
func (c *convStore) Changed() {
	c.mu.Lock()
	c.bump()
	c.mu.Unlock()
}

// Wait waits until the version differs from v, ctx ends, or longPoll
// passes.
func (c *convStore) Wait(ctx context.Context, v int64) {
	c.mu.Lock()
	if c.version != v {
		c.mu.Unlock()
		return
	}
	ch := c.changed
	c.mu.Unlock()
	t := time.NewTimer(longPoll)
	defer t.Stop()
	select {
	case <-ch:
	case <-ctx.Done():
	case <-t.C:
	}
}

// AddAlerts adds alerts to the summary of the exchange id (the safety
// model's, which may come after the exchange began).
func (c *convStore) AddAlerts(id string, alerts []classapi.Alert) {
	if len(alerts) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.byID[id]; s != nil {
		s.Alerts = append(slices.Clone(s.Alerts), alerts...)
		c.bump()
	}
}

// Progress shows the answer so far of the exchange id in the live view;
// once the preview is full, it changes nothing more.
func (c *convStore) Progress(id, answer string) {
	preview := classapi.Preview(answer, classapi.PreviewLen)
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.byID[id]; s != nil && !s.Done && s.Answer != preview {
		s.Answer = preview
		c.bump()
	}
}

// SafetyProblem records the safety model's last problem ("" when it
// answered), for the teacher's page.
func (c *convStore) SafetyProblem(problem string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.safety != problem {
		c.safety = problem
		c.bump()
	}
}
