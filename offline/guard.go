package offline

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/wire"
)

// IsSafetyModel reports whether the offline provider answers model as a
// safety model in Llama Guard's format: any model name containing
// "llama-guard", whatever its case (meta-llama/llama-guard-4-12b and
// meta-llama/llama-guard-3-8b on OpenRouter, llama-guard3 and
// llama-guard3:1b on Ollama).
func IsSafetyModel(model string) bool {
	return strings.Contains(strings.ToLower(model), "llama-guard")
}

// guardRules are the offline safety model's own rules: a code is in the
// verdict when its expression matches the assessed message. They are a
// small, fixed sample (not a real classifier), so that tests and classes
// without a key see verdicts in the real format.
var guardRules = []struct {
	code string
	re   *regexp.Regexp
}{
	{"S1", regexp.MustCompile(`(?i)\b(kill|killing|murder|stab|shoot|bomb|attack)\b`)},
	{"S3", regexp.MustCompile(`(?i)\b(abuse|abused|assault|assaulted)\b`)},
	{"S7", regexp.MustCompile(`(?i)\b[0-9]{3}[ .-]?[0-9]{3}[ .-]?[0-9]{4}\b|\bmy address is\b|\bi live at\b`)},
	{"S10", regexp.MustCompile(`(?i)\b(hate|hateful)\b`)},
	{"S11", regexp.MustCompile(`(?i)\b(suicide|suicidal|self-harm|kill myself|hurt myself|want to die)\b`)},
	{"S12", regexp.MustCompile(`(?i)\b(sex|sexual|porn|nude|naked)\b`)},
}

// GuardVerdict is the offline safety model's verdict on text: "safe", or
// "unsafe" and the codes of the rules that match, in the order S1, S3, S7,
// S10, S11, S12, on a second line ("unsafe\nS1,S11").
func GuardVerdict(text string) string {
	var codes []string
	for _, r := range guardRules {
		if r.re.MatchString(text) {
			codes = append(codes, r.code)
		}
	}
	return classapi.GuardVerdict(codes)
}

// guard answers a request to a safety model: the verdict on the last
// message's text (Llama Guard assesses the last turn: the user's, or the
// agent's answer), as one chat completion, or a stream of one chunk.
func (h *handler) guard(w http.ResponseWriter, req *chatRequest) {
	verdict := GuardVerdict(req.Messages[len(req.Messages)-1].text())
	now := time.Now()
	usage := &wire.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}
	if !req.Stream {
		writeJSON(w, http.StatusOK, wire.Completion{ID: newID(now), Provider: Provider, Model: req.Model, Object: "chat.completion",
			Created: now.Unix(), Choices: []wire.CompletionChoice{{FinishReason: "stop", NativeFinishReason: "stop",
				Message: wire.Message{Role: "assistant", Content: verdict}}}, Usage: usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	chunk := map[string]any{"id": newID(now), "object": "chat.completion.chunk", "created": now.Unix(), "model": req.Model,
		"choices": []map[string]any{{"index": 0, "delta": map[string]string{"role": "assistant", "content": verdict}, "finish_reason": "stop"}}}
	var b bytes.Buffer
	_ = wire.EncodeJSON(&b, chunk)
	w.Write([]byte("data: " + strings.TrimSpace(b.String()) + "\n\ndata: [DONE]\n\n"))
}
