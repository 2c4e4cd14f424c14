package classapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The relay's endpoints for the teacher (hub admins, and the class view with
// its service token holding the unfiltered read:users scope) and the one
// students may call, under its prefix. Every POST takes and answers JSON.
const (
	// ClassPath is GET class: a ClassNotice for the caller, to any valid hub
	// token (the students' connect cell shows it).
	ClassPath = "class"
	// TeacherPath is GET teacher: the TeacherState. With ?version=N it
	// waits (at most about 25 s) until the state's Version differs from N.
	TeacherPath = "teacher"
	// ExchangePath is GET exchange?id=ID: one Exchange in full.
	ExchangePath = "exchange"
	// SettingsPath is POST settings: a Settings replacing the teacher's
	// (its Paused part is ignored: use PausePath). It answers the Settings.
	SettingsPath = "settings"
	// PausePath is POST pause: a PauseRequest. It answers the PauseState.
	PausePath = "pause"
	// SeenPath is POST seen: a SeenRequest. It answers {"status":"ok"}.
	SeenPath = "seen"
)

// Alert categories: what a student message or a model answer may touch.
const (
	// CategorySelfHarm is suicide and self-harm.
	CategorySelfHarm = "self_harm"
	// CategoryViolence is violence, weapons and violent crimes.
	CategoryViolence = "violence"
	// CategoryAbuse is abuse, sexual crimes, exploitation, bullying and hate.
	CategoryAbuse = "abuse"
	// CategorySexual is sexual content.
	CategorySexual = "sexual"
	// CategoryPersonalData is personal data: phone numbers, home
	// addresses, e-mail addresses.
	CategoryPersonalData = "personal_data"
)

// Categories returns the alert categories, in the order the class view
// lists them.
func Categories() []string {
	return []string{CategorySelfHarm, CategoryViolence, CategoryAbuse, CategorySexual, CategoryPersonalData}
}

// CategoryLabel names a category for the teacher's page.
func CategoryLabel(c string) string {
	switch c {
	case CategorySelfHarm:
		return "self-harm"
	case CategoryViolence:
		return "violence"
	case CategoryAbuse:
		return "abuse"
	case CategorySexual:
		return "sexual content"
	case CategoryPersonalData:
		return "personal data"
	}
	return c
}

// Actions per category: what the relay does when a student message touches
// it. An answer that touches a category is always only an alert (it has
// already been streamed).
const (
	// ActionAlert flags the exchange for the teacher; the request goes on.
	ActionAlert = "alert"
	// ActionBlock flags it and refuses the request: it never reaches the
	// AI provider, and the student gets TypeBlocked.
	ActionBlock = "block"
)

// Where an alert was found (Alert.Part) and by what (Alert.Source).
const (
	// PartPrompt is the student's messages.
	PartPrompt = "prompt"
	// PartAnswer is the model's answer.
	PartAnswer = "answer"
	// SourceWords is the teacher's word list.
	SourceWords = "words"
	// SourceSafetyModel is the safety model (Llama Guard format).
	SourceSafetyModel = "safety_model"
)

// The error types of the teacher's controls, written by the relay and
// explained to students by internal/explain.
const (
	// TypePaused refuses a request while the teacher has paused the AI for
	// the student or the class (403); as an error event it ends a stream
	// the teacher stopped ("stop now").
	TypePaused = "paused_by_teacher"
	// TypeBlocked refuses a request that touches a category the teacher
	// set to ActionBlock (403): it was not sent to the AI.
	TypeBlocked = "blocked_by_class"
)

// Alert is one category found in an exchange.
type Alert struct {
	// Category is one of Categories().
	Category string `json:"category"`
	// Part is PartPrompt or PartAnswer.
	Part string `json:"part"`
	// Source is SourceWords or SourceSafetyModel.
	Source string `json:"source"`
	// Match is the text the word list matched, or the safety model's code
	// (e.g. "S11").
	Match string `json:"match"`
}

// Exchange is one kept exchange: a student's request and the answer as it
// was streamed. The relay appends it to
// <state_dir>/conversations/<day>/<student>.jsonl.
type Exchange struct {
	// ID names the exchange: "<day>~<student file name>~<unix nanoseconds>".
	ID string `json:"id"`
	// Time is when the request came.
	Time time.Time `json:"time"`
	// Student is the hub user name.
	Student string `json:"student"`
	// Model is the requested model.
	Model string `json:"model"`
	// Messages are the messages as sent upstream, the class instructions
	// first (or as refused, when Blocked).
	Messages json.RawMessage `json:"messages"`
	// Answer is the answer's text as streamed (content only), whole or cut.
	Answer string `json:"answer"`
	// Status is the HTTP status the student got (0 while in progress).
	Status int `json:"status"`
	// Outcome says how it ended: "" for a whole answer, else e.g.
	// "blocked", "stopped by the teacher", "student left".
	Outcome string `json:"outcome,omitempty"`
	// Blocked is true when the request was refused by an ActionBlock
	// category and never reached the AI provider.
	Blocked bool `json:"blocked,omitempty"`
	// Alerts are the categories found, prompt first.
	Alerts []Alert `json:"alerts,omitempty"`
	// Seen is true once the teacher marked the alerts seen.
	Seen bool `json:"seen,omitempty"`
	// Done is false while the answer is still streaming.
	Done bool `json:"done"`
}

// PreviewLen bounds the text of ExchangeSummary.Prompt and Answer, in bytes.
const PreviewLen = 400

// ExchangeSummary is an Exchange without its messages: the last student
// message and the start of the answer.
type ExchangeSummary struct {
	// ID, Time, Student, Model, Status, Outcome, Blocked, Alerts, Seen and
	// Done are the Exchange's.
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Student string    `json:"student"`
	Model   string    `json:"model"`
	// Prompt is the last user message's text, at most PreviewLen bytes.
	Prompt string `json:"prompt"`
	// Answer is the answer's text so far, at most PreviewLen bytes.
	Answer  string  `json:"answer"`
	Status  int     `json:"status"`
	Outcome string  `json:"outcome,omitempty"`
	Blocked bool    `json:"blocked,omitempty"`
	Alerts  []Alert `json:"alerts,omitempty"`
	Seen    bool    `json:"seen,omitempty"`
	Done    bool    `json:"done"`
}

// Flagged reports whether the exchange has alerts the teacher has not
// marked seen.
func (e *ExchangeSummary) Flagged() bool { return len(e.Alerts) > 0 && !e.Seen }

// Categories returns the distinct categories of the alerts, in order.
func (e *ExchangeSummary) Categories() []string {
	var out []string
	for _, a := range e.Alerts {
		if !slices.Contains(out, a.Category) {
			out = append(out, a.Category)
		}
	}
	return out
}

// Preview cuts s to at most n bytes, at a character boundary, adding "…"
// when it cut.
func Preview(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// utf8Start reports whether b starts a UTF-8 character.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// PauseState says for whom the AI is paused.
type PauseState struct {
	// Class is true when the AI is paused for the whole class.
	Class bool `json:"class"`
	// Students are the hub user names it is paused for, sorted.
	Students []string `json:"students"`
}

// Paused reports whether the AI is paused for student.
func (p PauseState) Paused(student string) bool {
	return p.Class || slices.Contains(p.Students, student)
}

// PauseRequest is the body of POST pause.
type PauseRequest struct {
	// Student is a hub user name, or "" for the whole class.
	Student string `json:"student"`
	// Paused pauses (true) or resumes (false). Resuming the class also
	// resumes every student paused on their own.
	Paused bool `json:"paused"`
	// StopNow, with Paused, also ends the requests in progress (waiting or
	// streaming): a stream gets one TypePaused error event.
	StopNow bool `json:"stop_now"`
}

// SeenRequest is the body of POST seen.
type SeenRequest struct {
	// IDs are the exchanges whose alerts the teacher has seen.
	IDs []string `json:"ids"`
}

// Settings are the teacher's settings, kept by the relay in
// <state_dir>/settings.json and changed through POST settings and POST
// pause.
type Settings struct {
	// Instructions is the class's system message, put first in every
	// request ("" for none). At most MaxInstructions bytes.
	Instructions string `json:"instructions"`
	// Words maps each category to its words and patterns: a line is a word
	// or phrase, matched whole and without regard to case; a line written
	// /like this/ is a regular expression (Go's RE2 syntax, case-insensitive).
	Words map[string][]string `json:"words"`
	// Actions maps each category to ActionAlert or ActionBlock.
	Actions map[string]string `json:"actions"`
	// SafetyModel is a safety model in Llama Guard's format, reached through
	// the relay's upstream (e.g. "meta-llama/llama-guard-4-12b" on
	// OpenRouter, "llama-guard3" on Ollama); "" uses none.
	SafetyModel string `json:"safety_model"`
	// Paused says for whom the AI is paused.
	Paused PauseState `json:"paused"`
}

// Bounds of Settings, checked by Check.
const (
	// MaxInstructions bounds Settings.Instructions, in bytes.
	MaxInstructions = 4000
	// MaxWordsPerCategory bounds each list of Settings.Words.
	MaxWordsPerCategory = 500
	// MaxWordLen bounds one word or pattern, in bytes.
	MaxWordLen = 200
)

// Check reports the first problems of s, saying how to fix them.
func (s *Settings) Check() error {
	var probs []string
	if len(s.Instructions) > MaxInstructions {
		probs = append(probs, fmt.Sprintf("the class instructions are longer than %d characters; shorten them", MaxInstructions))
	}
	for c, a := range s.Actions {
		if !slices.Contains(Categories(), c) {
			probs = append(probs, fmt.Sprintf("%q is not an alert category (use one of %s)", c, strings.Join(Categories(), ", ")))
		}
		if a != ActionAlert && a != ActionBlock {
			probs = append(probs, fmt.Sprintf("the action for %s must be %q or %q, not %q", c, ActionAlert, ActionBlock, a))
		}
	}
	for c, words := range s.Words {
		if !slices.Contains(Categories(), c) {
			probs = append(probs, fmt.Sprintf("%q is not an alert category (use one of %s)", c, strings.Join(Categories(), ", ")))
		}
		if len(words) > MaxWordsPerCategory {
			probs = append(probs, fmt.Sprintf("the word list of %s has more than %d lines", CategoryLabel(c), MaxWordsPerCategory))
		}
		for _, w := range words {
			if err := CheckWord(w); err != nil {
				probs = append(probs, fmt.Sprintf("in the word list of %s: %v", CategoryLabel(c), err))
			}
		}
	}
	if strings.ContainsAny(s.SafetyModel, " \t\r\n") || len(s.SafetyModel) > 200 {
		probs = append(probs, "the safety model must be one model name, such as meta-llama/llama-guard-4-12b")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return nil
}

// CheckWord checks one line of a word list: not too long, and a /pattern/
// must compile.
func CheckWord(w string) error {
	if len(w) > MaxWordLen {
		return fmt.Errorf("the line %q is longer than %d characters", Preview(w, 40), MaxWordLen)
	}
	if p, ok := WordPattern(w); ok {
		if _, err := regexp.Compile("(?i)" + p); err != nil {
			return fmt.Errorf("the pattern %s does not compile (%v); write it in Go's RE2 syntax", w, err)
		}
	}
	return nil
}

// WordPattern returns the regular expression of a line written /like
// this/, and whether it is one.
func WordPattern(w string) (string, bool) {
	w = strings.TrimSpace(w)
	if len(w) >= 3 && w[0] == '/' && w[len(w)-1] == '/' {
		return w[1 : len(w)-1], true
	}
	return "", false
}

// Action returns the action for category c (ActionAlert when unset).
func (s *Settings) Action(c string) string {
	if s.Actions[c] == ActionBlock {
		return ActionBlock
	}
	return ActionAlert
}

// ClassNotice is the answer of GET class: what a student's connect cell
// tells them.
type ClassNotice struct {
	// Kept is true when the relay keeps the class's conversations, which
	// the teacher can read.
	Kept bool `json:"kept"`
	// RetentionDays is how long they are kept.
	RetentionDays int `json:"retention_days"`
	// Instructions is the class's system message ("" for none).
	Instructions string `json:"instructions"`
	// Paused is true when the AI is paused for the caller.
	Paused bool `json:"paused"`
}

// TeacherState is the answer of GET teacher: the settings, whether and how
// long conversations are kept, and the latest exchanges, newest first.
type TeacherState struct {
	// Version changes with every change of the state.
	Version int64 `json:"version"`
	// Kept and RetentionDays are the relay config's conversations.keep and
	// conversations.retention_days.
	Kept          bool `json:"kept"`
	RetentionDays int  `json:"retention_days"`
	// Settings are the teacher's settings.
	Settings Settings `json:"settings"`
	// Exchanges are the latest exchanges and every flagged one not yet
	// seen, newest first.
	Exchanges []ExchangeSummary `json:"exchanges"`
	// SafetyModelProblem says why the safety model's last check failed
	// ("" when it answered, or none is set): alerts then come from the word
	// lists only.
	SafetyModelProblem string `json:"safety_model_problem,omitempty"`
}

// MessageText returns the text of a chat message's content as the relay keeps
// it: the string itself, or its text parts one after the other, a line apart
// ("" for anything else).
func MessageText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(content, &parts)
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.Text
	}
	return strings.Join(texts, "\n")
}
