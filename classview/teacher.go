package classview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/wire"
)

const (
	// exchangesPerStudent is how many of a student's latest exchanges the
	// page lists.
	exchangesPerStudent = 5
	// watchRetry is the pause after the relay did not answer a long poll.
	watchRetry = 2 * time.Second
	// watchTimeout bounds one long poll (the relay answers within about 25 s).
	watchTimeout = 40 * time.Second
	// exchangePrefix is the path of one exchange's page, under the prefix.
	exchangePrefix = "exchange/"
)

// Panel is what the page shows of the relay's teacher state: alerts,
// pause, instructions and each student's latest exchanges.
type Panel struct {
	// Known is true when the relay answered; Error says why not.
	Known bool
	Error string
	// Kept and RetentionDays say whether and how long conversations are kept.
	Kept          bool
	RetentionDays int
	// Settings are the teacher's settings at the relay.
	Settings classapi.Settings
	// SafetyProblem says why the safety model's last check failed.
	SafetyProblem string
	// Alerts are the flagged exchanges not yet seen, newest first.
	Alerts []ExchangeRow
	// Students are the class's students and anyone else with exchanges.
	Students []ConvStudent
}

// ExchangeRow is one exchange as the page lists it.
type ExchangeRow struct {
	classapi.ExchangeSummary
	// URL is the exchange's page, relative to the class view's page.
	URL string
	// Labels names the categories of its alerts ("self-harm, violence").
	Labels string
}

// ConvStudent is one student's pause state and latest exchanges.
type ConvStudent struct {
	Name string
	// Anchor is an HTML id made from the name.
	Anchor    string
	Paused    bool
	Exchanges []ExchangeRow
	// More counts the exchanges not listed.
	More int
}

// exchangeRow returns the row of e.
func exchangeRow(e classapi.ExchangeSummary) ExchangeRow {
	var labels []string
	for _, c := range e.Categories() {
		labels = append(labels, classapi.CategoryLabel(c))
	}
	return ExchangeRow{ExchangeSummary: e, URL: exchangePrefix + e.ID, Labels: strings.Join(labels, ", ")}
}

// buildPanel makes the panel of the relay's state st for the class's
// students (names), or one that says what went wrong.
func buildPanel(st *classapi.TeacherState, errText string, names []string) *Panel {
	if st == nil {
		return &Panel{Error: errText}
	}
	p := &Panel{Known: true, Error: errText, Kept: st.Kept, RetentionDays: st.RetentionDays, Settings: st.Settings}
	if st.Settings.SafetyModel != "" && st.SafetyModelProblem != "" {
		p.SafetyProblem = "The safety model did not answer its last check, so alerts come from the word lists only: " +
			st.SafetyModelProblem + "."
	}
	byName := map[string]*ConvStudent{}
	add := func(name string) *ConvStudent {
		if c := byName[name]; c != nil {
			return c
		}
		p.Students = append(p.Students, ConvStudent{Name: name, Anchor: "c-" + anchor(name)[2:], Paused: st.Settings.Paused.Paused(name)})
		c := &p.Students[len(p.Students)-1]
		byName[name] = c
		return c
	}
	for _, n := range names {
		add(n)
	}
	var others []string
	for _, e := range st.Exchanges {
		if e.Flagged() {
			p.Alerts = append(p.Alerts, exchangeRow(e))
		}
		if byName[e.Student] == nil && !slices.Contains(others, e.Student) {
			others = append(others, e.Student)
		}
	}
	slices.Sort(others)
	for _, n := range others {
		add(n)
	}
	for _, e := range st.Exchanges {
		c := byName[e.Student]
		if len(c.Exchanges) < exchangesPerStudent {
			c.Exchanges = append(c.Exchanges, exchangeRow(e))
		} else {
			c.More++
		}
	}
	return p
}

// watchRelay long-polls the relay's GET teacher until ctx ends, publishing
// every change: an exchange, an alert, a pause or new settings shows on the
// open pages as soon as the relay has it.
func (s *Server) watchRelay(ctx context.Context) {
	if s.cfg.Relay.URL == "" {
		return
	}
	client := &http.Client{Transport: s.hub.HTTP.Transport}
	var version int64 = -1
	for ctx.Err() == nil {
		var st classapi.TeacherState
		pctx, cancel := context.WithTimeout(ctx, watchTimeout)
		err := getRelay(pctx, client, s.cfg.Relay.URL+classapi.TeacherPath+"?version="+strconv.FormatInt(version, 10), s.hub.Token.Reveal(), &st)
		cancel()
		s.mu.Lock()
		if err != nil {
			s.teachErr = fmt.Sprintf("The class relay's conversations cannot be read: %v.", err)
		} else {
			s.teach, s.teachErr, version = &st, "", st.Version
		}
		s.mu.Unlock()
		s.republish()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(watchRetry):
			}
		}
	}
}

// panel returns the panel for the students names.
func (s *Server) panel(names []string) *Panel {
	s.mu.Lock()
	st, errText := s.teach, s.teachErr
	s.mu.Unlock()
	if s.cfg.Relay.URL == "" {
		return nil
	}
	if st == nil && errText == "" {
		errText = "The class relay's conversations have not been read yet."
	}
	return buildPanel(st, errText, names)
}

// republish renders the latest view again with the latest panel.
func (s *Server) republish() {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	cur := s.live.current()
	if cur.view == nil {
		return
	}
	v := *cur.view
	v.Class = s.panel(v.names())
	s.publishView(cur.book, &v)
}

// names returns the students' names.
func (v *View) names() []string {
	var out []string
	for _, st := range v.Students {
		out = append(out, st.Name)
	}
	return out
}

// postRelay POSTs body as JSON to the relay's endpoint path with the
// service's token; a refusal comes back as an error with the relay's
// message.
func (s *Server) postRelay(ctx context.Context, path string, body any) error {
	if s.cfg.Relay.URL == "" {
		return fmt.Errorf("no class relay is configured (relay.url)")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.Relay.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "token "+s.hub.Token.Reveal())
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hub.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("the class relay did not answer (%v); is it running?", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e wire.ErrorBody
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("the class relay refused (%d): %s", resp.StatusCode, e.Error.Message)
	}
	return nil
}
