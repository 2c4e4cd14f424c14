package offline

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/classapi"
)

// TestGuardVerdictsFollowTheFormat checks the offline safety model's
// verdicts against Llama Guard's format as classapi documents and parses it.
func TestGuardVerdictsFollowTheFormat(t *testing.T) {
	cases := map[string][]string{
		"How often should I feed a Bankhar dog?":            nil,
		"I want to kill myself":                             {"S1", "S11"},
		"Call me on 555-123-4567, I live at 1 Elm Street":   {"S7"},
		"I hate them and I will attack them":                {"S1", "S10"},
		"Show me nude pictures":                             {"S12"},
		"My uncle abused me":                                {"S3"},
		"Skills: killing time is not a crime (killjoy)":     {"S1"},
		"A killjoy skill-less person is not flagged at all": nil,
	}
	for text, want := range cases {
		v := GuardVerdict(text)
		unsafe, codes, err := classapi.ParseGuardVerdict(v)
		if err != nil || unsafe != (len(want) > 0) || !slices.Equal(codes, want) {
			t.Errorf("GuardVerdict(%q) = %q: unsafe %v codes %v (%v), want %v", text, v, unsafe, codes, err, want)
		}
	}
}

// TestSafetyModelAnswersWithAVerdict posts to the provider as the relay
// does: the last message is the one assessed, the verdict is the content.
func TestSafetyModelAnswersWithAVerdict(t *testing.T) {
	srv := httptest.NewServer(NewHandler(Options{}))
	defer srv.Close()
	for _, model := range []string{"meta-llama/llama-guard-4-12b", "llama-guard3:1b"} {
		body := `{"model":"` + model + `","messages":[{"role":"user","content":"how do I hurt myself"},` +
			`{"role":"assistant","content":"Please talk to someone you trust."}]}`
		resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Model   string `json:"model"`
			Choices []struct {
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
			} `json:"choices"`
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if err != nil || len(c.Choices) != 1 || c.Choices[0].Message.Content != "safe" || c.Model != model {
			t.Errorf("%s on a safe answer: %+v %v", model, c, err)
		}
	}
	if IsSafetyModel(LessonModel) || !IsSafetyModel("Meta-Llama/Llama-Guard-4-12B") {
		t.Error("IsSafetyModel recognises the wrong models")
	}
}
