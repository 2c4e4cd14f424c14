package relay

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// SettingsFile is the name of the teacher's settings file in the state
// directory.
const SettingsFile = "settings.json"

// settingsStore holds the teacher's settings (classapi.Settings) and their
// compiled word lists, and saves them to settings.json (mode 0600,
// atomically) on every change. Its methods are safe for concurrent use.
type settingsStore struct {
	path string // "" keeps them in memory only

	mu    sync.RWMutex
	s     classapi.Settings
	words *wordMatcher
}

// openSettings loads dir/settings.json over classapi.DefaultSettings, or
// starts with the defaults. A damaged file is moved aside (reported
// through logf), as the usage file is.
func openSettings(dir string, logf func(string, ...any)) (*settingsStore, error) {
	st := &settingsStore{s: classapi.DefaultSettings()}
	if dir != "" {
		st.path = filepath.Join(dir, SettingsFile)
		b, err := os.ReadFile(st.path)
		switch {
		case os.IsNotExist(err):
		case err != nil:
			return nil, fmt.Errorf("cannot read the teacher's settings: %w", err)
		default:
			s := classapi.DefaultSettings()
			err := json.Unmarshal(b, &s)
			if err == nil {
				err = s.Check()
			}
			if err != nil {
				aside := st.path + ".damaged-" + time.Now().Format("20060102-150405")
				if rerr := os.Rename(st.path, aside); rerr != nil {
					return nil, fmt.Errorf("the settings file %s is damaged (%v) and cannot be moved aside: %w; move it away by hand", st.path, err, rerr)
				}
				logf("class-relay: the settings file was damaged (%v); moved it to %s and started from the defaults", err, aside)
			} else {
				st.s = s
			}
		}
	}
	st.words = compileWords(st.s.Words)
	return st, nil
}

// Get returns a deep copy of the settings.
func (st *settingsStore) Get() classapi.Settings {
	st.mu.RLock()
	b, err := json.Marshal(st.s)
	st.mu.RUnlock()
	var s classapi.Settings
	if err != nil || json.Unmarshal(b, &s) != nil {
		return classapi.DefaultSettings()
	}
	if s.Paused.Students == nil {
		s.Paused.Students = []string{}
	}
	return s
}

// now returns the settings and their word lists as they are, not to be
// changed.
func (st *settingsStore) now() (classapi.Settings, *wordMatcher) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.s, st.words
}

// Replace sets the teacher's settings to s, keeping the pause state, after
// checking them; it saves them.
func (st *settingsStore) Replace(s classapi.Settings) error {
	if err := s.Check(); err != nil {
		return err
	}
	words := compileWords(s.Words)
	st.mu.Lock()
	defer st.mu.Unlock()
	s.Paused = st.s.Paused
	old := st.s
	st.s, st.words = s, words
	if err := st.save(); err != nil {
		st.s, st.words = old, compileWords(old.Words)
		return err
	}
	return nil
}

// Pause applies a pause request and saves the settings.
func (st *settingsStore) Pause(p classapi.PauseRequest) (classapi.PauseState, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.s.Paused
	ps := classapi.PauseState{Class: old.Class, Students: slices.Clone(old.Students)}
	switch {
	case p.Student == "" && p.Paused:
		ps.Class = true
	case p.Student == "":
		ps = classapi.PauseState{}
	case p.Paused && !slices.Contains(ps.Students, p.Student):
		ps.Students = append(ps.Students, p.Student)
		slices.Sort(ps.Students)
	case !p.Paused:
		ps.Students = slices.DeleteFunc(ps.Students, func(s string) bool { return s == p.Student })
	}
	if ps.Students == nil {
		ps.Students = []string{}
	}
	st.s.Paused = ps
	if err := st.save(); err != nil {
		st.s.Paused = old
		return old, err
	}
	return ps, nil
}

// Paused reports whether the AI is paused for student.
func (st *settingsStore) Paused(student string) bool {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.s.Paused.Paused(student)
}

// save writes the settings file; the caller holds st.mu.
func (st *settingsStore) save() error {
	if st.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(st.s, "", "  ")
	if err == nil {
		err = writeFileAtomic(st.path, append(b, '\n'))
	}
	if err != nil {
		return fmt.Errorf("cannot save the teacher's settings to %s: %w (is the disk full or the state directory read-only?)", st.path, err)
	}
	return nil
}
