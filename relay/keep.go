package relay

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// newExchange starts the record of a student's request.
func (r *Relay) newExchange(student string, cr *chatRequest) *exchange {
	now := r.now()
	ex := &exchange{student: student, began: now, stream: cr.stream, model: cr.model, prompt: cr.promptEstimate(),
		messages: cr.sent, scan: sseScan{answer: &strings.Builder{}}, id: r.conv.newID(student, now)}
	ex.all, ex.lastUser = promptText(cr.messages)
	if r.conv.keep {
		id := ex.id
		ex.scan.progress = func(answer string) { r.conv.Progress(id, answer) }
		ex.scan.progressAt = time.Now()
	}
	return ex
}

// record returns what is kept of ex.
func (ex *exchange) record(done bool) *classapi.Exchange {
	return &classapi.Exchange{ID: ex.id, Time: ex.began, Student: ex.student, Model: ex.model, Messages: ex.messages,
		Answer: ex.scan.answer.String(), Status: ex.status, Outcome: ex.outcome, Blocked: ex.blocked,
		Alerts: append([]classapi.Alert(nil), ex.alerts...), Done: done}
}

// checkPrompt checks the student's messages (not the class instructions)
// with the word lists and, when set, the safety model, shows the exchange
// in the teacher's live view, and reports whether a category found is
// blocked. The safety model is asked before the request goes on only when
// some category blocks; otherwise it is asked in the background, and its
// alerts join the exchange when it answers.
func (r *Relay) checkPrompt(ctx context.Context, ex *exchange, s *classapi.Settings, words *wordMatcher) bool {
	ex.alerts = words.check(classapi.PartPrompt, ex.all)
	ex.safety = s.SafetyModel
	if ex.safety != "" && anyBlock(s) {
		alerts, err := r.guard(ctx, ex.safety, classapi.PartPrompt, guardPrompt(ex.all))
		if err != nil {
			r.logf("class-relay: %s: the prompt was not checked by the safety model: %v", ex.student, err)
		}
		ex.alerts = append(ex.alerts, alerts...)
	} else if ex.safety != "" && r.conv.keep {
		ex.guardPrompt = make(chan []classapi.Alert, 1)
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			alerts, err := r.guard(context.Background(), ex.safety, classapi.PartPrompt, guardPrompt(ex.all))
			if err != nil {
				r.logf("class-relay: %s: the prompt was not checked by the safety model: %v", ex.student, err)
			}
			r.conv.AddAlerts(ex.id, alerts)
			ex.guardPrompt <- alerts
		}()
	}
	ex.blocked = blocks(s, ex.alerts)
	r.conv.Begin(ex.record(ex.blocked))
	return ex.blocked
}

// block refuses a request that touches a blocked category: it never
// reaches the AI provider.
func (r *Relay) block(w http.ResponseWriter, ex *exchange) {
	e := newError(http.StatusForbidden, classapi.TypeBlocked, "The class relay did not send this message to the AI: "+
		"it touches a topic your teacher has chosen to talk about in person.")
	ex.status, ex.outcome = e.status, "blocked"
	var cats []string
	for _, a := range ex.alerts {
		cats = append(cats, a.Category)
	}
	r.logf("class-relay: %s: blocked (%s), not sent upstream", ex.student, strings.Join(cats, ", "))
	e.write(w)
}

// keep checks the answer and keeps the exchange: at once, or after the
// safety model answered (in the background, so the student never waits).
func (r *Relay) keep(ex *exchange) {
	if !r.conv.keep {
		return
	}
	answer := ex.scan.answer.String()
	_, words := r.settings.now()
	answerAlerts := words.check(classapi.PartAnswer, answer)
	rec := ex.record(true)
	askAnswer := ex.safety != "" && strings.TrimSpace(answer) != ""
	if ex.guardPrompt == nil && !askAnswer {
		rec.Alerts = append(rec.Alerts, answerAlerts...)
		r.store(rec)
		return
	}
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if ex.guardPrompt != nil {
			rec.Alerts = append(rec.Alerts, <-ex.guardPrompt...)
		}
		rec.Alerts = append(rec.Alerts, answerAlerts...)
		if askAnswer {
			alerts, err := r.guard(context.Background(), ex.safety, classapi.PartAnswer, guardAnswer(ex.lastUser, answer))
			if err != nil {
				r.logf("class-relay: %s: the answer was not checked by the safety model: %v", ex.student, err)
			}
			rec.Alerts = append(rec.Alerts, alerts...)
		}
		r.store(rec)
	}()
}

// store keeps a finished exchange, logging a failure.
func (r *Relay) store(rec *classapi.Exchange) {
	if err := r.conv.Finish(rec); err != nil {
		r.logf("class-relay: %v", err)
	}
}
