package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// guardTimeout bounds one question to the safety model.
const guardTimeout = 15 * time.Second

// guard asks the safety model (Llama Guard's format) about a conversation
// through the relay's upstream, with the teacher's key and no student
// header, and returns the alerts of its verdict for part. The last message
// is the one assessed: the user's for the prompt, the assistant's for the
// answer. It bypasses the class queue.
func (r *Relay) guard(ctx context.Context, model, part string, conv []map[string]string) ([]classapi.Alert, error) {
	alerts, err := r.askGuard(ctx, model, part, conv)
	if ctx.Err() == nil { // not a student who left: the teacher should know
		problem := ""
		if err != nil {
			problem = err.Error()
		}
		r.conv.SafetyProblem(problem)
	}
	return alerts, err
}

// askGuard is guard's question to the safety model.
func (r *Relay) askGuard(ctx context.Context, model, part string, conv []map[string]string) ([]classapi.Alert, error) {
	ctx, cancel := context.WithTimeout(ctx, guardTimeout)
	defer cancel()
	body, err := marshalJSON(map[string]any{"model": model, "messages": conv, "max_tokens": 20, "temperature": 0, "stream": false})
	if err != nil {
		return nil, err
	}
	resp, err := r.upstreamCall(ctx, http.MethodPost, "/chat/completions", body, http.Header{}, "")
	if err != nil {
		return nil, fmt.Errorf("cannot reach the safety model %q: %s", model, cleanErr(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the safety model %q answered %d: %s; check safety_model in the class view's settings", model, resp.StatusCode, classapi.Preview(string(b), 200))
	}
	var c struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &c); err != nil || len(c.Choices) == 0 {
		return nil, fmt.Errorf("the safety model %q did not answer a chat completion; check safety_model", model)
	}
	_, codes, err := classapi.ParseGuardVerdict(c.Choices[0].Message.Content)
	if err != nil {
		return nil, err
	}
	return classapi.GuardAlerts(part, codes), nil
}

// guardPrompt returns the conversation that asks about a prompt: the
// student's messages as one user message.
func guardPrompt(all string) []map[string]string {
	return []map[string]string{{"role": "user", "content": all}}
}

// guardAnswer returns the conversation that asks about an answer: the
// last user message and the answer.
func guardAnswer(lastUser, answer string) []map[string]string {
	return []map[string]string{{"role": "user", "content": lastUser}, {"role": "assistant", "content": answer}}
}
