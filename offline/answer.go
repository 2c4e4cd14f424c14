package offline

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Prepared answers are Markdown files in answers/, embedded in the program.
// Each starts with a small header between "---" lines naming the question it
// answers:
//
//	---
//	question: How many times a day should I feed my Mongolian Bankhar, and what food is best?
//	model: openai/gpt-oss-120b:free
//	match: bankhar; feed food eat meal diet
//	reasoning: The user asks how often to feed …
//	---
//	## Feeding your Mongolian Bankhar 🐕
//	…
//
// match lists groups of words separated by ";": a question gets the answer
// when it holds a word of every group (ignoring case), so a teacher may
// reword it a little. "match: *" marks the answer to any other question;
// "{lesson question}" in its text becomes the first lesson question. model,
// on the first answer, is the model /models lists. reasoning is the
// "thinking" streamed before the answer. Files are tried in name order.
//
//go:embed answers/*.md
var answerFiles embed.FS

// Prepared is one prepared answer.
type Prepared struct {
	File      string     // the file it came from, e.g. "answers/bankhar-feeding.md"
	Question  string     // the question it answers, as the lesson asks it
	Model     string     // the model the lesson asks for, if the header names one
	Match     [][]string // word groups; nil for the answer to any other question
	Reasoning string     // the "thinking" before the answer
	Answer    string     // the answer, OfflineNotice first
}

// Provider is the "provider" field of every response, where OpenRouter names
// the upstream provider that served the request.
const Provider = "Offline sample"

// OfflineNotice is the first line of every prepared answer.
const OfflineNotice = "*(Offline sample answer — not from a real AI model. Set OPENROUTER_API_KEY to ask a live one.)*"

var (
	// Answers are the prepared answers, in file-name order.
	Answers = mustLoadAnswers()

	// LessonModel is the model the lesson asks for; GET /models lists it, and
	// it is echoed when a request names no model.
	LessonModel = Answers[0].Model
	// LessonQuestion is the question of the first prepared answer.
	LessonQuestion = Answers[0].Question
	// LessonAnswer is the prepared answer to LessonQuestion.
	LessonAnswer = Answers[0].Answer
	// LessonReasoning is the "thinking" streamed before LessonAnswer.
	LessonReasoning = Answers[0].Reasoning
	// OtherAnswer is the prepared reply to any question the answers do not match.
	OtherAnswer = fallback().Answer
	// OtherReasoning is the "thinking" streamed before OtherAnswer.
	OtherReasoning = fallback().Reasoning
)

// mustLoadAnswers reads the embedded answers; a broken file is a bug of the
// build, so it panics naming the file.
func mustLoadAnswers() []Prepared {
	names, err := answerFiles.ReadDir("answers")
	if err != nil {
		panic(err)
	}
	var out []Prepared
	for _, e := range names {
		name := path.Join("answers", e.Name())
		data, err := answerFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		p, err := ParsePrepared(name, string(data))
		if err != nil {
			panic(err)
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Match != nil && out[j].Match == nil })
	if len(out) == 0 || out[0].Match == nil || out[0].Model == "" || out[len(out)-1].Match != nil {
		panic("offline/answers: want a lesson answer naming its model first, and one \"match: *\" answer")
	}
	q := out[0].Question
	for i := range out {
		out[i].Answer = strings.ReplaceAll(out[i].Answer, "{lesson question}", q)
	}
	return out
}

// fallback returns the answer to any other question.
func fallback() Prepared { return Answers[len(Answers)-1] }

// ParsePrepared reads one prepared-answer file; see the answers/ format above.
func ParsePrepared(name, text string) (Prepared, error) {
	p := Prepared{File: name}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	header, body, ok2 := strings.Cut(rest, "\n---\n")
	if !ok || !ok2 {
		return p, fmt.Errorf("%s: no header: the file must start with a line \"---\", the header, and another \"---\"", name)
	}
	for i, line := range strings.Split(header, "\n") {
		key, value, ok := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.TrimSpace(key) {
		case "question":
			p.Question = value
		case "model":
			p.Model = value
		case "reasoning":
			p.Reasoning = value
		case "match":
			if value != "*" {
				p.Match = matchGroups(value)
			}
		default:
			if ok || strings.TrimSpace(line) != "" {
				return p, fmt.Errorf("%s:%d: unknown header line %q (want question, model, match or reasoning)", name, i+2, line)
			}
		}
	}
	if p.Question == "" || strings.TrimSpace(body) == "" {
		return p, fmt.Errorf("%s: the header needs a question, and the file an answer after it", name)
	}
	p.Answer = OfflineNotice + "\n\n" + strings.TrimLeft(body, "\n")
	return p, nil
}

// matchGroups splits "bankhar; feed food" into [[bankhar] [feed food]].
func matchGroups(value string) [][]string {
	var groups [][]string
	for _, g := range strings.Split(value, ";") {
		if words := strings.Fields(strings.ToLower(g)); len(words) > 0 {
			groups = append(groups, words)
		}
	}
	return groups
}

// Matches reports whether the provider may give p for question: whether
// question holds a word of every group of its match line (true for the
// answer to any other question). Answers are tried in file-name order.
func (p Prepared) Matches(question string) bool { return p.matches(question) }

// matches reports whether question holds a word of every group of p.
func (p Prepared) matches(question string) bool {
	if p.Match == nil {
		return true
	}
	q := strings.ToLower(question)
	for _, group := range p.Match {
		found := false
		for _, w := range group {
			if strings.Contains(q, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// isLessonQuestion reports whether question gets one of the lesson's
// prepared answers rather than the reply to any other question.
func isLessonQuestion(question string) bool {
	return answerFor(question).Match != nil
}

// answerFor returns the first prepared answer that matches question.
func answerFor(question string) Prepared {
	for _, p := range Answers {
		if p.matches(question) {
			return p
		}
	}
	return fallback()
}

// pickAnswer returns the answer and reasoning for a request whose last user
// message is question, honouring the overrides in opts.
func pickAnswer(opts Options, question string) (answer, reasoning string) {
	if opts.Answer != "" {
		return opts.Answer, opts.Reasoning
	}
	p := answerFor(question)
	answer, reasoning = p.Answer, p.Reasoning
	if opts.Reasoning != "" {
		reasoning = opts.Reasoning
	}
	if opts.NoReasoning {
		reasoning = ""
	}
	return answer, reasoning
}
