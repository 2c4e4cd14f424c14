package classview

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/k12notebooks/golessons/classapi"
)

// maxForm bounds a POSTed form (the settings' word lists are the largest).
const maxForm = 512 << 10

// checkPost guards a POST form: a signed-in admin's session, a request
// from the class view's own pages (Sec-Fetch-Site, when the browser sends
// it), and the session's CSRF token in the form. The session cookie is
// SameSite=Lax, so other sites' forms do not carry it either.
func (s *Server) checkPost(w http.ResponseWriter, r *http.Request) bool {
	sess, ok := s.guard(w, r, true)
	if !ok {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		textError(w, http.StatusForbidden, "Not allowed: this form was sent from another site.")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		textError(w, http.StatusBadRequest, "The form could not be read: "+err.Error())
		return false
	}
	if t := r.PostForm.Get("csrf"); t == "" || !hmac.Equal([]byte(t), []byte(sess.csrf)) {
		textError(w, http.StatusForbidden, "Not allowed: the form is out of date (the page was opened before you signed in again). Reload the class view and try again.")
		return false
	}
	s.logf("class-view: %q: POST %s %s", sess.user.Name, r.URL.Path, strings.Join(formKeys(r.PostForm), ","))
	return true
}

// formKeys lists a form's field names, for the log (not their values).
func formKeys(f url.Values) []string {
	var out []string
	for k := range f {
		if k != "csrf" {
			out = append(out, k)
		}
	}
	return out
}

// control serves the POST forms: ai, seen and settings. Each is sent on to
// the relay with the service's token, and the browser goes back to the
// page (303) or gets a page saying what went wrong.
func (s *Server) control(w http.ResponseWriter, r *http.Request, what string) {
	if !s.checkPost(w, r) {
		return
	}
	f := r.PostForm
	var err error
	back := s.cfg.Prefix
	switch what {
	case "ai":
		p := classapi.PauseRequest{Student: f.Get("student")}
		switch f.Get("do") {
		case "pause":
			p.Paused = true
		case "stop":
			p.Paused, p.StopNow = true, true
		case "resume":
		default:
			err = errors.New("the form's \"do\" must be pause, stop or resume")
		}
		if err == nil {
			err = s.postRelay(r.Context(), classapi.PausePath, p)
		}
		back += "#ai-h"
	case "seen":
		err = s.postRelay(r.Context(), classapi.SeenPath, classapi.SeenRequest{IDs: f["id"]})
		back += "#alerts-h"
	case "settings":
		err = s.postRelay(r.Context(), classapi.SettingsPath, settingsFromForm(f))
		back += "#settings"
	}
	if err != nil {
		d := s.pageData(nil)
		d["Problem"] = err.Error()
		s.render(w, http.StatusBadGateway, "notsaved", d)
		return
	}
	s.freshPanel(r.Context())
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// freshPanel reads the relay's state once more, so that the page the
// browser goes back to shows the change.
func (s *Server) freshPanel(ctx context.Context) {
	var st classapi.TeacherState
	if err := getRelay(ctx, s.hub.HTTP, s.cfg.Relay.URL+classapi.TeacherPath, s.hub.Token.Reveal(), &st); err == nil {
		s.mu.Lock()
		s.teach, s.teachErr = &st, ""
		s.mu.Unlock()
		s.republish()
	}
}

// settingsFromForm reads the settings form: instructions, safety_model,
// and per category action-<c> and words-<c> (one word or /pattern/ a line).
func settingsFromForm(f url.Values) classapi.Settings {
	st := classapi.Settings{Instructions: strings.TrimSpace(strings.ReplaceAll(f.Get("instructions"), "\r\n", "\n")),
		SafetyModel: strings.TrimSpace(f.Get("safety_model")), Words: map[string][]string{}, Actions: map[string]string{}}
	for _, c := range classapi.Categories() {
		st.Actions[c] = f.Get("action-" + c)
		if st.Actions[c] == "" {
			st.Actions[c] = classapi.ActionAlert
		}
		words := []string{}
		for _, line := range strings.Split(f.Get("words-"+c), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				words = append(words, line)
			}
		}
		st.Words[c] = words
	}
	return st
}

// exchange serves one kept exchange's page, read from the relay.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, id string) {
	sess, ok := s.guard(w, r, false)
	if !ok {
		return
	}
	d := s.pageData(sess)
	var e classapi.Exchange
	err := getRelay(r.Context(), s.hub.HTTP, s.cfg.Relay.URL+classapi.ExchangePath+"?id="+url.QueryEscape(id), s.hub.Token.Reveal(), &e)
	if s.cfg.Relay.URL == "" || err != nil {
		d["Problem"] = "This exchange cannot be shown: it may be older than the retention period, or the class relay did not answer."
		if err != nil {
			d["Problem"] = d["Problem"].(string) + " (" + err.Error() + ")"
		}
		s.render(w, http.StatusNotFound, "notsaved", d)
		return
	}
	d["Exchange"], d["Messages"], d["Row"] = &e, exchangeMessages(&e), exchangeRow(summaryOf(&e))
	s.render(w, http.StatusOK, "exchange", d)
}

// summaryOf returns the summary fields of e that the page uses.
func summaryOf(e *classapi.Exchange) classapi.ExchangeSummary {
	return classapi.ExchangeSummary{ID: e.ID, Time: e.Time, Student: e.Student, Model: e.Model, Status: e.Status,
		Outcome: e.Outcome, Blocked: e.Blocked, Alerts: e.Alerts, Seen: e.Seen, Done: e.Done}
}

// MessageView is one message of an exchange as its page shows it.
type MessageView struct {
	Role, Text string
}

// exchangeMessages returns the messages of e: their role and text (a
// string content, or its text parts one after the other).
func exchangeMessages(e *classapi.Exchange) []MessageView {
	var raw []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	_ = json.Unmarshal(e.Messages, &raw)
	var out []MessageView
	for _, m := range raw {
		out = append(out, MessageView{Role: m.Role, Text: classapi.MessageText(m.Content)})
	}
	return out
}
