package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// UsageFile is the name of the usage file in the state directory.
const UsageFile = "usage.json"

// requestOutcome is what one request used, for Usage.Finish.
type requestOutcome struct {
	// PromptTokens, CompletionTokens and TotalTokens are the usage.
	PromptTokens, CompletionTokens, TotalTokens int64
	// Estimated is true when the upstream sent no usage.
	Estimated bool
	// Failed is true when no complete answer came.
	Failed bool
}

// usageStore records per-student usage and persists it to a JSON file. Its
// methods are safe for concurrent use.
type usageStore struct {
	path string // "" keeps usage in memory only
	logf func(string, ...any)

	mu    sync.Mutex
	doc   classapi.UsageDoc
	dirty bool
}

// openUsage loads the usage file in dir (creating dir, mode 0700), or starts
// empty. A damaged file is moved aside to usage.json.damaged-<time> and
// reported through logf, so a class is not stopped by it. dir "" keeps
// usage in memory.
func openUsage(dir string, logf func(string, ...any)) (*usageStore, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	u := &usageStore{logf: logf, doc: classapi.UsageDoc{Version: 1, Students: map[string]*classapi.StudentUsage{}}}
	if dir == "" {
		return u, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the state directory: %w (set state_dir in the config to a folder the relay may write)", err)
	}
	u.path = filepath.Join(dir, UsageFile)
	b, err := os.ReadFile(u.path)
	switch {
	case os.IsNotExist(err):
		return u, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read the usage file: %w", err)
	}
	var doc classapi.UsageDoc
	if err := json.Unmarshal(b, &doc); err != nil || doc.Students == nil {
		aside := u.path + ".damaged-" + time.Now().Format("20060102-150405")
		if rerr := os.Rename(u.path, aside); rerr != nil {
			return nil, fmt.Errorf("the usage file %s is damaged (%v) and cannot be moved aside: %w; move it away by hand", u.path, err, rerr)
		}
		logf("class-relay: the usage file was damaged (%v); moved it to %s and started a new one", err, aside)
		return u, nil
	}
	doc.Version = 1
	u.doc = doc
	return u, nil
}

// day returns the day record of student for t, creating both; the caller
// holds u.mu.
func (u *usageStore) day(student string, t time.Time) (*classapi.StudentUsage, *classapi.DayUsage) {
	s := u.doc.Students[student]
	if s == nil {
		s = &classapi.StudentUsage{First: t, Days: map[string]*classapi.DayUsage{}}
		u.doc.Students[student] = s
	}
	key := t.Format(classapi.DayLayout)
	d := s.Days[key]
	if d == nil {
		d = &classapi.DayUsage{First: t}
		s.Days[key] = d
	}
	s.Last, d.Last = t, t
	u.doc.Updated, u.dirty = t, true
	return s, d
}

// Begin counts an admitted request.
func (u *usageStore) Begin(student string, t time.Time) {
	u.mu.Lock()
	s, d := u.day(student, t)
	s.Requests++
	d.Requests++
	u.mu.Unlock()
}

// Limited counts a request refused by a per-student limit.
func (u *usageStore) Limited(student string, t time.Time) {
	u.mu.Lock()
	s, d := u.day(student, t)
	s.Limited++
	d.Limited++
	u.mu.Unlock()
}

// RequestsOn returns how many requests student made on t's day.
func (u *usageStore) RequestsOn(student string, t time.Time) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if s := u.doc.Students[student]; s != nil {
		if d := s.Days[t.Format(classapi.DayLayout)]; d != nil {
			return int(d.Requests)
		}
	}
	return 0
}

// Finish adds what a request begun at began used.
func (u *usageStore) Finish(student string, began time.Time, o requestOutcome) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s, d := u.day(student, began)
	for _, c := range []*classapi.Counts{&s.Counts, &d.Counts} {
		c.PromptTokens += o.PromptTokens
		c.CompletionTokens += o.CompletionTokens
		c.TotalTokens += o.TotalTokens
		if o.Estimated {
			c.Estimated++
		}
		if o.Failed {
			c.Errors++
		}
	}
}

// Snapshot returns a deep copy of the usage document.
func (u *usageStore) Snapshot() classapi.UsageDoc {
	u.mu.Lock()
	b, err := json.Marshal(u.doc)
	u.mu.Unlock()
	var doc classapi.UsageDoc
	if err != nil || json.Unmarshal(b, &doc) != nil {
		return classapi.UsageDoc{Version: 1, Students: map[string]*classapi.StudentUsage{}}
	}
	return doc
}

// Flush writes the usage file if it changed, atomically (a temporary file
// renamed over the old one), mode 0600.
func (u *usageStore) Flush() error {
	u.mu.Lock()
	if u.path == "" || !u.dirty {
		u.mu.Unlock()
		return nil
	}
	b, err := json.MarshalIndent(u.doc, "", "  ")
	u.dirty = false
	u.mu.Unlock()
	if err == nil {
		err = writeFileAtomic(u.path, append(b, '\n'))
	}
	if err != nil {
		u.mu.Lock()
		u.dirty = true
		u.mu.Unlock()
		return fmt.Errorf("cannot save usage to %s: %w (is the disk full or the state directory read-only?)", u.path, err)
	}
	return nil
}

// Run flushes every interval until ctx is done, then once more.
func (u *usageStore) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = defaultUsageFlush
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := u.Flush(); err != nil {
				u.logf("class-relay: %v", err)
			}
			return
		case <-t.C:
			if err := u.Flush(); err != nil {
				u.logf("class-relay: %v", err)
			}
		}
	}
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, synced before the rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// safeName turns a hub user name into a file name: letters, digits and
// ".-_@" are kept, anything else becomes "_" and a hash of the name is
// added so that different names stay different.
func safeName(name string) string {
	var b strings.Builder
	changed := name == "" || name[0] == '.'
	for i, r := range name {
		switch {
		case r == '.' && i == 0:
			b.WriteByte('_')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_@", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	if changed {
		h := sha256.Sum256([]byte(name))
		b.WriteString("-" + hex.EncodeToString(h[:4]))
	}
	return b.String()
}
