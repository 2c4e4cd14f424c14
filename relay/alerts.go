package relay

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/k12notebooks/golessons/classapi"
)

// maxMatchShown bounds the matched text an alert keeps.
const maxMatchShown = 80

// wordMatcher finds the categories of the teacher's word lists in a text:
// one regular expression per category, compiled once when the settings
// change. Go's regexp (RE2) runs in time linear in the text, so a check is
// bounded whatever the patterns.
type wordMatcher struct {
	cats []string
	res  []*regexp.Regexp
}

// compileWords compiles the word lists: words and phrases are matched whole
// (\b on both sides where they start and end with a letter or digit),
// white space inside a phrase matches any white space; /patterns/ are used
// as they are; all without regard to case. Lines that do not compile (the
// settings were checked, so none should) are left out.
func compileWords(words map[string][]string) *wordMatcher {
	m := &wordMatcher{}
	for _, c := range classapi.Categories() {
		var alts []string
		for _, w := range words[c] {
			if p, ok := classapi.WordPattern(w); ok {
				if _, err := regexp.Compile("(?i)" + p); err == nil {
					alts = append(alts, "(?:"+p+")")
				}
				continue
			}
			if w = strings.TrimSpace(w); w != "" {
				alts = append(alts, wordRegexp(w))
			}
		}
		if len(alts) == 0 {
			continue
		}
		re, err := regexp.Compile("(?i)" + strings.Join(alts, "|"))
		if err != nil {
			continue
		}
		m.cats, m.res = append(m.cats, c), append(m.res, re)
	}
	return m
}

// wordRegexp returns the expression matching the word or phrase w whole.
func wordRegexp(w string) string {
	q := regexp.QuoteMeta(w)
	q = regexp.MustCompile(`\s+`).ReplaceAllString(q, `\s+`)
	isWord := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	if isWord(w[0]) {
		q = `\b` + q
	}
	if isWord(w[len(w)-1]) {
		q += `\b`
	}
	return q
}

// check returns one alert per category found in text.
func (m *wordMatcher) check(part, text string) []classapi.Alert {
	var out []classapi.Alert
	for i, re := range m.res {
		if loc := re.FindStringIndex(text); loc != nil {
			out = append(out, classapi.Alert{Category: m.cats[i], Part: part, Source: classapi.SourceWords,
				Match: classapi.Preview(text[loc[0]:loc[1]], maxMatchShown)})
		}
	}
	return out
}

// chatMessage is the part of a checked message the alerts read.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// messageTexts returns the role and text of each message (a string content,
// or its text parts joined); messages were checked, so they decode.
func messageTexts(messages json.RawMessage) []chatMessage {
	var msgs []chatMessage
	_ = json.Unmarshal(messages, &msgs)
	for i, m := range msgs {
		msgs[i].Content, _ = json.Marshal(classapi.MessageText(m.Content))
	}
	return msgs
}

// text returns a message's text (after messageTexts).
func (m chatMessage) text() string {
	var s string
	_ = json.Unmarshal(m.Content, &s)
	return s
}

// promptText returns the text of every message of a request, one after
// the other, and the last user message's text.
func promptText(messages json.RawMessage) (all, lastUser string) {
	var b strings.Builder
	for _, m := range messageTexts(messages) {
		t := m.text()
		b.WriteString(t)
		b.WriteString("\n\n")
		if m.Role == "user" {
			lastUser = t
		}
	}
	return b.String(), lastUser
}

// blocks reports whether one of the prompt's alerts is of a category the
// settings block.
func blocks(s *classapi.Settings, alerts []classapi.Alert) bool {
	for _, a := range alerts {
		if a.Part == classapi.PartPrompt && s.Action(a.Category) == classapi.ActionBlock {
			return true
		}
	}
	return false
}

// anyBlock reports whether some category is set to block.
func anyBlock(s *classapi.Settings) bool {
	for _, c := range classapi.Categories() {
		if s.Action(c) == classapi.ActionBlock {
			return true
		}
	}
	return false
}
