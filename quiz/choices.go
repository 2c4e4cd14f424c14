package quiz

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// What the choice types (MultipleChoice, ManyChoice) share.

// choiceKey returns the key given to the i-th (0-based) jupyterquiz option:
// a, b, ..., z, then 27, 28, ...
func choiceKey(i int) string {
	if i < 26 {
		return string(rune('a' + i))
	}
	return strconv.Itoa(i + 1)
}

// jqChoices reads the answers of a jupyterquiz choice question: each is an
// option, keyed a, b, c, ... The right answer is the first right option's
// key, or with many every right option's key, joined by commas.
func (b *builder) jqChoices(q *Question, list *value, many bool) {
	var right []string
	seen := map[string]int{}
	for _, entry := range b.jqEntries(list, "answer", jqChoiceKeys, "an answer") {
		i, e := entry.i, entry.e
		o := Option{Key: choiceKey(i)}
		if text, at, ok := b.str(e, "answer", true); ok {
			o.Text = text
			if strings.TrimSpace(text) == "" {
				b.errorf(at, "empty answer text")
			}
		} else if code, _, ok := b.str(e, "code", false); ok {
			o.Text, o.Code = code, true
		} else if e.get("answer") == nil && e.get("code") == nil {
			b.errorf(e.start, "answer without \"answer\" text (or \"code\")")
		}
		if prev, dup := seen[o.Text]; dup && o.Text != "" {
			b.errorf(e.start, "duplicate answer %q (same as answer %d)", o.Text, prev+1)
		}
		seen[o.Text] = i
		o.Correct = b.correct(e)
		o.Feedback, _, _ = b.str(e, "feedback", false)
		if o.Correct {
			right = append(right, o.Key)
		}
		q.Options = append(q.Options, o)
	}
	if len(right) == 0 {
		b.errorf(list.start, "no answer is marked \"correct\": true")
	}
	if !many && len(right) > 0 {
		q.Answer = right[0]
	} else {
		q.Answer = strings.Join(right, ",")
	}
}

// choices adds an entry for each option and, with many, the right set: one
// option's box holds whether it is right, or with many only its feedback.
func (w *sealer) choices(q *Question, many bool) error {
	var right []string
	for _, o := range q.Options {
		k := strings.ToLower(o.Key)
		if o.Correct {
			right = append(right, k)
		}
		if err := w.exact(k, o.Correct && !many, o.Feedback, false); err != nil {
			return err
		}
	}
	if !many {
		return nil
	}
	n := keySet(right)
	b, err := w.box("box set", n, true, "")
	if err != nil {
		return err
	}
	w.s.Set = &SealedEntry{Hash: w.digest("match", n), Box: b}
	return nil
}

// option finds the option whose key is answer (any case, surrounding space
// ignored): its entry's index and the key lower-cased; -1 when none.
func (s *Sealed) option(answer string) (int, string) {
	k := strings.ToLower(strings.TrimSpace(answer))
	h := digest(s.Salt, "match", k)
	for i, e := range s.Entries {
		if bytes.Equal(h, e.Hash) {
			return i, k
		}
	}
	return -1, k
}

// keySet is the canonical form of a set of lower-cased option keys: sorted,
// joined by ",".
func keySet(keys []string) string {
	k := append([]string(nil), keys...)
	sort.Strings(k)
	return strings.Join(k, ",")
}

// describeChoices writes each chosen option with option, a key no option
// has as written, joined by "; ".
func describeChoices(q *Question, answer string, option func(Option) string) string {
	var out []string
	for _, part := range strings.Split(answer, ",") {
		key := strings.TrimSpace(part)
		text := key
		for _, o := range q.Options {
			if strings.EqualFold(o.Key, key) {
				text = option(o)
			}
		}
		out = append(out, text)
	}
	return strings.Join(out, "; ")
}

// sameChoices is the chosen keys lower-cased, sorted and joined by ",".
func sameChoices(_ *Question, answer string) string {
	keys := strings.Split(strings.ToLower(answer), ",")
	for i := range keys {
		keys[i] = strings.TrimSpace(keys[i])
	}
	return keySet(keys)
}
