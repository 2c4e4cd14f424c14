package streamview

import (
	"fmt"
	"strings"
	"time"
)

// Stats returns the stats line of a streamed answer, for example
// "first token after 0.82 s · 41.5 tokens/s · 5.31 s in all · 38 prompt + 203 answer tokens (74 reasoning)".
// The rate counts the completion tokens of the usage chunk over the time from
// the first token to the end; without usage it counts chunks instead and says
// so.
func (r Result) Stats() string {
	var parts []string
	if r.FirstToken > 0 {
		parts = append(parts, "first token after "+seconds(r.FirstToken))
	} else {
		parts = append(parts, "no text received")
	}
	gen := r.Total - r.FirstToken
	if r.FirstToken > 0 && gen >= 50*time.Millisecond {
		if r.Usage != nil && r.Usage.CompletionTokens > 0 {
			parts = append(parts, fmt.Sprintf("%.1f tokens/s", float64(r.Usage.CompletionTokens)/gen.Seconds()))
		} else if r.Chunks > 1 {
			parts = append(parts, fmt.Sprintf("%.1f chunks/s", float64(r.Chunks)/gen.Seconds()))
		}
	}
	parts = append(parts, seconds(r.Total)+" in all")
	if u := r.Usage; u != nil && (u.PromptTokens > 0 || u.CompletionTokens > 0) {
		s := fmt.Sprintf("%d prompt + %d answer tokens", u.PromptTokens, u.CompletionTokens)
		if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 {
			s += fmt.Sprintf(" (%d reasoning)", d.ReasoningTokens)
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, "no token counts sent")
	}
	return strings.Join(parts, " · ")
}

// Note returns one plain sentence or two about how the answer ended when it
// did not end normally: stopped, an error (in plain words), cut off by the
// length limit or stopped by a content filter. It returns "" for a normal end.
func (r Result) Note() string {
	switch {
	case r.Stopped:
		return "Stopped: the answer above is incomplete."
	case r.Err != nil:
		return wordError(r.explain, r.Err)
	}
	switch r.FinishReason {
	case "length":
		if r.Text == "" && r.Reasoning != "" {
			return "The model used all the tokens it was allowed on thinking and gave no answer " +
				"(finish_reason \"length\"). Raise MaxCompletionTokens in the request, or ask a simpler question."
		}
		return "The answer was cut off: it reached the maximum length this request allows " +
			"(finish_reason \"length\"). Ask for a shorter answer, or raise MaxCompletionTokens in the request."
	case "content_filter":
		return "The provider's content filter stopped the answer (finish_reason \"content_filter\"). " +
			"Rephrase the question and run the cell again."
	case "error":
		return "The provider reported an error and stopped the answer. Run the cell again, or choose another model."
	}
	if r.Text == "" && r.Reasoning == "" {
		return "The server ended the stream without sending any text. Run the cell again, or choose another model."
	}
	return ""
}

// seconds writes a duration as "0.82 s", "5.3 s" or "75 s".
func seconds(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 60:
		return fmt.Sprintf("%.1f s", s)
	default:
		return fmt.Sprintf("%.0f s", s)
	}
}

// wordError returns explain(err), or err's own text when explain is nil; ""
// for a nil error.
func wordError(explain func(error) string, err error) string {
	switch {
	case err == nil:
		return ""
	case explain == nil:
		return err.Error()
	}
	return explain(err)
}
