package quiz

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Numeric is a question answered with a number: jupyterquiz's "numeric".
const Numeric Type = "numeric"

func init() {
	register(&Kind{
		Type: Numeric, Label: "Number", JupyterQuizName: "numeric",
		Input: InputNumber, order: 50, jqFields: []string{"precision"},
		jupyterQuiz: func(b *builder, q *Question, obj, list *value) {
			b.precision(q, obj)
			b.jqNumbers(q, list)
		},
		grade:       (*Question).gradeNumber,
		seal:        sealNumbers,
		gradeSealed: (*Sealed).gradeNumber,
	})
}

// precision reads the "precision" of a numeric question.
func (b *builder) precision(q *Question, obj *value) {
	if p, at, present := b.number(obj, "precision"); present && obj.get("precision").val.kind == kindNumber {
		if p < 1 || p > 17 || p != float64(int(p)) {
			b.errorf(at, "\"precision\" must be a whole number of significant digits from 1 to 17")
		}
		q.Precision = int(p)
	}
}

// sealNumbers seals each value or range, as JSON [isRange, value, min, max]:
// compared by distance, so obfuscated.
func sealNumbers(w *sealer, q *Question) error {
	for _, num := range q.Numbers {
		text, _ := json.Marshal([]any{num.IsRange, num.Value, num.Min, num.Max})
		if err := w.obfuscated(string(text), num.Correct, num.Feedback, SealedEntry{}); err != nil {
			return err
		}
	}
	return nil
}

// jqNumbers reads the answers of a jupyterquiz "numeric" question.
func (b *builder) jqNumbers(q *Question, list *value) {
	for _, entry := range b.jqEntries(list, "value", jqNumericKeys, "a numeric answer") {
		e := entry.e
		if b.defaultEntry(q, e) {
			continue
		}
		n, ok := b.jqNumber(e)
		if !ok {
			continue
		}
		if t := e.get("type"); t != nil && (t.val.kind != kindString || (t.val.str != "value" && t.val.str != "range")) {
			b.errorf(t.val.start, "a numeric answer's \"type\" is \"value\", \"range\" or \"default\"")
		}
		n.Correct = b.correct(e)
		n.Feedback, _, _ = b.str(e, "feedback", false)
		if n.Correct && q.Answer == "" {
			if n.IsRange {
				q.Answer = formatNumber(n.Min) + " to " + formatNumber(n.Max)
			} else {
				q.Answer = formatNumber(n.Value)
			}
		}
		q.Numbers = append(q.Numbers, n)
	}
	if q.Answer == "" {
		b.errorf(list.start, "no answer is marked \"correct\": true")
	}
}

// jqNumber reads the "range" or "value" of a numeric answer.
func (b *builder) jqNumber(e *value) (n NumberAnswer, ok bool) {
	rm, vm := e.get("range"), e.get("value")
	switch {
	case rm != nil:
		if rm.val.kind != kindArray || len(rm.val.elems) != 2 || rm.val.elems[0].kind != kindNumber || rm.val.elems[1].kind != kindNumber {
			b.errorf(rm.val.start, "\"range\" must be a list of two numbers [low, high]")
			return n, false
		}
		n.IsRange = true
		n.Min, n.Max = rm.val.elems[0].num, rm.val.elems[1].num
		if n.Min > n.Max {
			b.errorf(rm.val.start, "\"range\" goes from low to high: %s is above %s", rm.val.elems[0].raw, rm.val.elems[1].raw)
		}
	case vm != nil:
		if vm.val.kind != kindNumber {
			b.errorf(vm.val.start, "\"value\" must be a number, not %s", vm.val.kind)
			return n, false
		}
		n.Value = vm.val.num
	default:
		b.errorf(e.start, "a numeric answer needs \"value\" or \"range\" (or \"type\": \"default\" with \"feedback\")")
		return n, false
	}
	return n, true
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

// gradeNumber grades a number, rounded to Precision significant digits when
// set, compared with each known value or range in order.
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

// gradeNumber grades a numeric answer against each value or range.
func (s *Sealed) gradeNumber(answer string) (Result, string) {
	x, ok := ParseNumber(answer)
	if !ok {
		return Result{Feedback: "Enter a number, such as 3.14."}, ""
	}
	if s.Precision > 0 {
		x = roundSignificant(x, s.Precision)
	}
	for i, e := range s.Entries {
		text := s.plain(i)
		var v []any
		if json.Unmarshal([]byte(text), &v) != nil || len(v) != 4 {
			continue
		}
		isRange, _ := v[0].(bool)
		value, _ := v[1].(float64)
		lo, _ := v[2].(float64)
		hi, _ := v[3].(float64)
		if (isRange && x >= lo && x <= hi) || (!isRange && math.Abs(x-value) <= 1e-9*math.Max(1, math.Abs(value))) {
			return s.open("box "+strconv.Itoa(i), text, e)
		}
	}
	return Result{Feedback: s.DefaultFeedback}, ""
}
