package quiz

import (
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

// Grade checks a student's answer to q as its type's Kind does:
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
	if k := q.Kind(); k != nil {
		return k.grade(q, answer)
	}
	return Result{}
}
