package quiz

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Result is the outcome of grading one answer.
type Result struct {
	// Correct is true for a right answer.
	Correct bool
	// Feedback is the teacher's feedback for this answer (an option's or a
	// known answer's "feedback", else the default feedback); it may be empty.
	Feedback string
}

// quoteChars are removed by Normalize wherever they appear.
const quoteChars = "\"'`“”‘’„‚«»‹›"

// edgeChars are trimmed from both ends by Normalize, with white space.
const edgeChars = ".,;:!?…"

// Normalize returns the form in which free-text answers are compared:
//
//  1. every quote and backtick ("'`“”‘’„‚«»‹›) is removed, so `stream`,
//     "stream" and stream are the same answer;
//  2. white space and sentence punctuation (. , ; : ! ? …) are trimmed from
//     both ends, so "Stream." is stream;
//  3. runs of white space become one space;
//  4. letters are lower-cased.
//
// Other characters are kept: "stream=True" is not "stream", "C#" is not "C".
// The widget's script (internal/quizwidget/assets/quiz.js) does the same in the browser.
func Normalize(s string) string { return normalize(s, false) }

func normalize(s string, matchCase bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(quoteChars, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimFunc(s, func(r rune) bool { return isSpace(r) || strings.ContainsRune(edgeChars, r) })
	s = strings.Join(strings.FieldsFunc(s, isSpace), " ")
	if !matchCase {
		s = strings.ToLower(s)
	}
	return s
}

// similarity returns 1 minus the edit distance of a and b over the length of
// the longer one: 1 for equal strings, 0 for nothing in common.
func similarity(a, b string) float64 {
	n := max(len([]rune(a)), len([]rune(b)))
	if n == 0 {
		return 1
	}
	return 1 - float64(levenshtein(a, b))/float64(n)
}

// Grade checks a student's answer to q:
//
//   - Freeform: the answer and each known answer are compared after
//     Normalize (case kept for answers with MatchCase; a Fuzzy threshold
//     accepts near misses); the first known answer that matches decides.
//   - TrueFalse: "true" or "false" in any case, surrounding space and
//     punctuation ignored.
//   - MultipleChoice: the option key, in any case.
//   - ManyChoice: the option keys separated by commas, in any order; right
//     when they are exactly the correct options.
//   - Numeric: a number, rounded to Precision significant digits when set,
//     compared with each known value or range in order.
func (q *Question) Grade(answer string) Result {
	switch q.Type {
	case Freeform:
		return q.gradeText(answer)
	case TrueFalse:
		a := normalize(answer, false)
		if a != "true" && a != "false" {
			return Result{Feedback: q.DefaultFeedback}
		}
		return Result{Correct: a == strings.ToLower(q.Answer), Feedback: q.DefaultFeedback}
	case MultipleChoice:
		key := strings.TrimSpace(answer)
		for _, o := range q.Options {
			if strings.EqualFold(o.Key, key) {
				return Result{Correct: o.Correct, Feedback: o.Feedback}
			}
		}
		return Result{Feedback: q.DefaultFeedback}
	case ManyChoice:
		return q.gradeMany(answer)
	case Numeric:
		return q.gradeNumber(answer)
	}
	return Result{}
}

func (q *Question) gradeText(answer string) Result {
	if normalize(answer, false) == "" {
		return Result{Feedback: q.DefaultFeedback}
	}
	for _, t := range q.TextAnswers {
		a, want := normalize(answer, t.MatchCase), normalize(t.Text, t.MatchCase)
		if a == want || (t.Fuzzy > 0 && similarity(a, want) >= t.Fuzzy) {
			return Result{Correct: t.Correct, Feedback: t.Feedback}
		}
	}
	return Result{Feedback: q.DefaultFeedback}
}

func (q *Question) gradeMany(answer string) Result {
	chosen := map[string]bool{}
	var feedback []string
	for _, part := range strings.Split(answer, ",") {
		key := strings.TrimSpace(part)
		if key == "" {
			continue
		}
		found := false
		for _, o := range q.Options {
			if strings.EqualFold(o.Key, key) {
				if !chosen[o.Key] && o.Feedback != "" {
					feedback = append(feedback, o.Feedback)
				}
				chosen[o.Key] = true
				found = true
			}
		}
		if !found {
			return Result{Feedback: q.DefaultFeedback}
		}
	}
	if len(chosen) == 0 {
		return Result{Feedback: q.DefaultFeedback}
	}
	right := true
	for _, o := range q.Options {
		if o.Correct != chosen[o.Key] {
			right = false
		}
	}
	return Result{Correct: right, Feedback: strings.Join(feedback, " ")}
}

// ParseNumber reads a student's number: optional sign, digits, an optional
// decimal point and exponent, surrounding space ignored.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimFunc(s, isSpace)
	if !numberPattern.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimPrefix(s, "+"), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numberPattern is what ParseNumber accepts (the widget's script uses the
// same pattern).
var numberPattern = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// roundSignificant rounds f to digits significant digits, like JavaScript's
// Number(f.toPrecision(digits)).
func roundSignificant(f float64, digits int) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', digits, 64), 64)
	return r
}

func (q *Question) gradeNumber(answer string) Result {
	x, ok := ParseNumber(answer)
	if !ok {
		return Result{Feedback: "Enter a number, such as 3.14."}
	}
	if q.Precision > 0 {
		x = roundSignificant(x, q.Precision)
	}
	for _, n := range q.Numbers {
		match := false
		if n.IsRange {
			match = x >= n.Min && x <= n.Max
		} else {
			match = math.Abs(x-n.Value) <= 1e-9*math.Max(1, math.Abs(n.Value))
		}
		if match {
			return Result{Correct: n.Correct, Feedback: n.Feedback}
		}
	}
	return Result{Feedback: q.DefaultFeedback}
}
