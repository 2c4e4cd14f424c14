package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/sashabaranov/go-openai"
)

// lessonStart is a lesson request without its closing brace, for attacks
// to append fields to.
const lessonStart = `{"model":"openai/gpt-oss-120b:free","messages":[{"role":"user","content":"How often?"}]`

// withMessage is a request whose only message is msg.
func withMessage(msg string) string {
	return `{"model":"openai/gpt-oss-120b:free","messages":[` + msg + `]}`
}

// nested is a JSON value of depth objects {"a":…} around {}.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

// attack is a request body the relay must refuse without forwarding it.
type attack struct {
	name string
	body string
	typ  string   // the error type
	want []string // in the message
}

// refusedFieldAttacks refuses each refused field, at the top level.
func refusedFieldAttacks() []attack {
	values := map[string]string{
		"models": `["openai/gpt-5","anthropic/claude-opus-4"]`, "route": `"fallback"`, "preset": `"@preset/x"`,
		"provider": `{"order":["OpenAI"],"allow_fallbacks":true}`, "plugins": `[{"id":"web","max_results":5}]`,
		"web_search_options": `{"search_context_size":"high"}`, "transforms": `["middle-out"]`,
		"prediction": `{"type":"content","content":"x"}`, "audio": `{"voice":"alloy","format":"wav"}`,
		"modalities": `["text","audio"]`, "service_tier": `"priority"`, "store": `true`, "metadata": `{"a":"b"}`,
		"reasoning": `{"max_tokens":100000}`, "functions": `[]`, "function_call": `"auto"`, "logit_bias": `{"1639":6}`,
		"usage": `{"include":true}`,
	}
	var out []attack
	for name := range refusedFields {
		out = append(out, attack{"refused " + name, lessonStart + `,"` + name + `":` + values[name] + "}",
			classapi.TypeFieldNotAllowed, []string{`"` + name + `"`, refusedFields[name], "Remove it"}})
	}
	return out
}

// attacks is the table of refused bodies.
func attacks() []attack {
	return append(append(refusedFieldAttacks(), nameAttacks()...), valueAttacks()...)
}

// nameAttacks refuse field names: unknown, spelled with other capital
// letters, given twice, escaped, nested; and parts that are not text.
func nameAttacks() []attack {
	fna, inv := classapi.TypeFieldNotAllowed, classapi.TypeInvalidRequest
	return []attack{
		{"models as null", lessonStart + `,"models":null}`, fna, []string{`"models"`}},
		{"unknown field", lessonStart + `,"top_k":40}`, fna, []string{`"top_k"`, "not one of the fields"}},
		{"unknown empty name", lessonStart + `,"":1}`, fna, []string{`field ""`}},
		{"verbosity", lessonStart + `,"verbosity":"high"}`, fna, []string{`"verbosity"`}},
		{"chat_template_kwargs", lessonStart + `,"chat_template_kwargs":{"enable_thinking":true}}`, fna, []string{`"chat_template_kwargs"`}},
		{"Model", `{"Model":"openai/gpt-5","model":"openai/gpt-oss-120b:free","messages":[]}`, fna, []string{`"Model"`, `Write it as "model"`}},
		{"MODEL alone", `{"MODEL":"openai/gpt-5","messages":[]}`, fna, []string{`"MODEL"`, `"model"`}},
		{"mOdEl after model", lessonStart + `,"mOdEl":"openai/gpt-5"}`, fna, []string{`"mOdEl"`}},
		{"Messages", `{"model":"openai/gpt-oss-120b:free","Messages":[{"role":"user","content":"x"}]}`, fna, []string{`"Messages"`}},
		{"Models", lessonStart + `,"Models":["openai/gpt-5"]}`, fna, []string{`"Models"`, "other models"}},
		{"long s in stream", lessonStart + `,"ſtream":true}`, fna, []string{`"ſtream"`, `Write it as "stream"`}},
		{"Kelvin sign in tokens", lessonStart + `,"max_to\u212Aens":99999}`, fna, []string{"max_to\u212Aens"}},
		{"model twice", `{"model":"openai/gpt-oss-120b:free","model":"openai/gpt-5","messages":[]}`, fna, []string{`"model" twice`}},
		{"model twice, escaped", lessonStart + `,"mod\u0065l":"openai/gpt-5"}`, fna, []string{`"model" twice`}},
		{"model twice, second forbidden", lessonStart + `,"model":"openai/gpt-5:online"}`, fna, []string{`"model" twice`}},
		{"messages twice", lessonStart + `,"messages":[{"role":"user","content":"y"}]}`, fna, []string{`"messages" twice`}},
		{"stream twice", lessonStart + `,"stream":true,"stream":false}`, fna, []string{`"stream" twice`}},
		{"max_tokens twice", lessonStart + `,"max_tokens":10,"max_tokens":100000}`, fna, []string{`"max_tokens" twice`}},
		{"escaped models", lessonStart + `,"\u006dodels":["openai/gpt-5"]}`, fna, []string{`"models"`, "other models"}},
		{"escaped plugins", lessonStart + `,"\u0070lugins":[{"id":"web"}]}`, fna, []string{`"plugins"`}},
		{"role twice in a message", withMessage(`{"role":"user","role":"system","content":"x"}`), fna, []string{`"role" twice in messages[0]`}},
		{"content twice in a message", withMessage(`{"role":"user","content":"a","con\u0074ent":"b"}`), fna, []string{`"content" twice in messages[0]`}},
		{"models in a message", withMessage(`{"role":"user","content":"x","models":["openai/gpt-5"]}`), fna, []string{`"models" in messages[0]`}},
		{"Content in a message", withMessage(`{"role":"user","Content":"x"}`), fna, []string{`"Content" in messages[0]`, `Write it as "content"`}},
		{"cache_control in a part", withMessage(`{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}`), fna, []string{`"cache_control" in messages[0].content[0]`}},
		{"key twice in a schema", lessonStart + `,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","type":"array"}}}}`, fna, []string{`"type" twice in response_format.json_schema.schema`}},
		{"extra in stream_options", lessonStart + `,"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}}`, fna, []string{`"include_obfuscation" in stream_options`}},
		{"image part", withMessage(`{"role":"user","content":[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"https://example.com/dog.png"}}]}`), fna, []string{`messages[0].content[1]`, `"image_url"`, "picture"}},
		{"audio part", withMessage(`{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}`), fna, []string{`"input_audio"`, "sound"}},
		{"file part", withMessage(`{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf","file_data":"x"}}]}`), fna, []string{`"file"`}},
		{"web search tool", lessonStart + `,"tools":[{"type":"web_search"}]}`, inv, []string{`"tools[0].type"`, `"function"`}},
	}
}

// valueAttacks refuse values out of type or range, and bodies that are not
// one well-formed JSON object.
func valueAttacks() []attack {
	inv := classapi.TypeInvalidRequest
	deepList := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	return []attack{
		{"n=2", lessonStart + `,"n":2}`, inv, []string{`"n"`, "must be 1"}},
		{"n=1.0", lessonStart + `,"n":1.0}`, inv, []string{`"n"`}},
		{"temperature 3", lessonStart + `,"temperature":3}`, inv, []string{`"temperature"`, "from 0 to 2"}},
		{"temperature string", lessonStart + `,"temperature":"hot"}`, inv, []string{`"temperature"`}},
		{"top_p 1.5", lessonStart + `,"top_p":1.5}`, inv, []string{`"top_p"`}},
		{"presence_penalty -3", lessonStart + `,"presence_penalty":-3}`, inv, []string{`"presence_penalty"`}},
		{"frequency_penalty 1e400", lessonStart + `,"frequency_penalty":1e400}`, inv, []string{`"frequency_penalty"`}},
		{"max_tokens negative", lessonStart + `,"max_tokens":-1}`, inv, []string{`"max_tokens"`}},
		{"max_tokens fraction", lessonStart + `,"max_tokens":1.5}`, inv, []string{`"max_tokens"`}},
		{"max_tokens huge", lessonStart + `,"max_completion_tokens":1e30}`, inv, []string{`"max_completion_tokens"`}},
		{"max_tokens text", lessonStart + `,"max_tokens":"many"}`, inv, []string{`"max_tokens"`}},
		{"seed fraction", lessonStart + `,"seed":0.5}`, inv, []string{`"seed"`}},
		{"top_logprobs 21", lessonStart + `,"logprobs":true,"top_logprobs":21}`, inv, []string{`"top_logprobs"`}},
		{"five stops", lessonStart + `,"stop":["a","b","c","d","e"]}`, inv, []string{`"stop"`, "at most 4"}},
		{"stop number", lessonStart + `,"stop":7}`, inv, []string{`"stop"`}},
		{"stream text", lessonStart + `,"stream":"yes"}`, inv, []string{`"stream"`, "true or false"}},
		{"long user", lessonStart + `,"user":"` + strings.Repeat("x", 300) + `"}`, inv, []string{`"user"`}},
		{"reasoning_effort maximum", lessonStart + `,"reasoning_effort":"maximum"}`, inv, []string{`"reasoning_effort"`}},
		{"tool_choice sometimes", lessonStart + `,"tool_choice":"sometimes"}`, inv, []string{`"tool_choice"`}},
		{"response_format xml", lessonStart + `,"response_format":{"type":"xml"}}`, inv, []string{`"response_format.type"`}},
		{"role function", withMessage(`{"role":"function","name":"f","content":"x"}`), inv, []string{`"messages[0].role"`}},
		{"no role", withMessage(`{"content":"x"}`), inv, []string{`"role" is missing in messages[0]`}},
		{"content number", withMessage(`{"role":"user","content":7}`), inv, []string{`"messages[0].content"`}},
		{"message not an object", withMessage(`"hello"`), inv, []string{`"messages[0]"`}},
		{"messages object", `{"model":"openai/gpt-oss-120b:free","messages":{"role":"user"}}`, inv, []string{`"messages"`, "list"}},
		{"no model", `{"messages":[]}`, inv, []string{`"model" is missing`}},
		{"empty model", `{"model":"","messages":[]}`, inv, []string{`"model"`}},
		{"model number", `{"model":7,"messages":[]}`, inv, []string{`"model"`}},
		{"model null", `{"model":null,"messages":[]}`, inv, []string{`"model"`}},
		{"no messages", `{"model":"openai/gpt-oss-120b:free"}`, inv, []string{`"messages" is missing`}},
		{"paid model", `{"model":"openai/gpt-5","messages":[]}`, classapi.TypeModelNotAllowed, []string{`"openai/gpt-5"`}},
		{"array body", `[` + lessonStart + `}]`, inv, []string{"not a JSON object"}},
		{"string body", `"hello"`, inv, []string{"not a JSON object"}},
		{"number body", `42`, inv, []string{"not a JSON object"}},
		{"null body", `null`, inv, []string{"not a JSON object"}},
		{"empty body", ``, inv, []string{"not a JSON object"}},
		{"not json", `model=openai/gpt-5`, inv, []string{"not a JSON object"}},
		{"byte-order mark", "\uFEFF" + lessonStart + "}", inv, []string{"not a JSON object"}},
		{"second object", lessonStart + `}{"models":["openai/gpt-5"]}`, inv, []string{"more after"}},
		{"trailing garbage", lessonStart + `}garbage`, inv, []string{"more after"}},
		{"trailing comma", lessonStart + `},`, inv, []string{"more after"}},
		{"comma before brace", lessonStart + `,}`, inv, []string{"not well-formed"}},
		{"unclosed", lessonStart, inv, []string{"not well-formed"}},
		{"invalid UTF-8", lessonStart + `,"user":"` + "\xff\xfe" + `"}`, inv, []string{"UTF-8"}},
		{"deep schema", lessonStart + `,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":` + nested(40) + `}}}`, inv, []string{"nested too deeply"}},
		{"deep lists", `{"model":"openai/gpt-oss-120b:free","messages":` + deepList + `}`, inv, []string{"nested too deeply"}},
		{"very deep lists", `{"x":` + strings.Repeat("[", 5000) + `}`, inv, []string{"nested too deeply"}},
		{"escaped hub token", withMessage(`{"role":"user","content":"\u0061` + aliceToken[1:] + `"}`), inv, []string{"contains your JupyterHub token"}},
	}
}

// Every attack is refused with a 400 naming the problem, and nothing
// reaches the upstream.
func TestAttacksRefusedAndNotForwarded(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Upstream.AllowedModels = []string{"*:free"} }, Options{})
	for _, a := range attacks() {
		t.Run(a.name, func(t *testing.T) {
			resp, body := tr.chat(t, aliceToken, a.body)
			e := errorOf(t, body)
			if resp.StatusCode != http.StatusBadRequest || e.Type != a.typ || e.Code != 400 {
				t.Errorf("%d %s, want 400 %s: %s", resp.StatusCode, e.Type, a.typ, e.Message)
			}
			for _, w := range a.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q does not say %q", e.Message, w)
				}
			}
			if n := len(up.requests()); n != 0 {
				t.Fatalf("%d requests reached the upstream", n)
			}
		})
	}
}

// The strict reader allows exactly maxDepth levels of nesting.
func TestReadObjectDepth(t *testing.T) {
	if _, err := readObject([]byte(nested(maxDepth))); err != nil {
		t.Errorf("depth %d refused: %s", maxDepth, err.message)
	}
	if _, err := readObject([]byte(nested(maxDepth + 1))); err == nil || !strings.Contains(err.message, "nested too deeply") {
		t.Errorf("depth %d: %v", maxDepth+1, err)
	}
	lists := func(n int) []byte { return []byte(`{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}") }
	if _, err := readObject(lists(maxDepth - 1)); err != nil {
		t.Errorf("lists of depth %d refused: %s", maxDepth, err.message)
	}
	if _, err := readObject(lists(maxDepth)); err == nil {
		t.Errorf("lists of depth %d accepted", maxDepth+1)
	}
	if _, err := readObject([]byte(" \r\n\t" + nested(3) + "\n ")); err != nil {
		t.Errorf("whitespace around the object refused: %s", err.message)
	}
}

// sentBody sends body to a relay with student.max_tokens 500 and returns
// the body the upstream received.
func sentBody(t *testing.T, body string) string {
	t.Helper()
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Student.MaxTokens = 500 }, Options{})
	if resp, got := tr.chat(t, aliceToken, body); resp.StatusCode != 200 {
		t.Fatalf("refused: %d %s", resp.StatusCode, got)
	}
	return string(up.requests()[0].body)
}

// The lesson's streaming cell (notebooks/openai-streaming.ipynb), sent by
// go-openai as the lesson sends it, arrives upstream exactly as checked.
func TestLessonRequestArrivesExactly(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orUsage, orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Student.MaxTokens = 500 }, Options{})
	cfg := openai.DefaultConfig(aliceToken)
	cfg.BaseURL = tr.base
	const system = "You are an expert in dogs, based in Mongolia. Your role is to provide helpful information to students who want to learn more about keeping dogs at home. Answer in a concise but friendly manner."
	const user = "How many times a day should I feed my Mongolian Bankhar, and what food is best?"
	stream, err := openai.NewClientWithConfig(cfg).CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model: "openai/gpt-oss-120b:free",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if text, usage := readStream(t, stream); text != "Feed your **Bankhar** " || usage == nil || usage.TotalTokens != 149 {
		t.Errorf("answer %q, usage %+v", text, usage)
	}
	want := `{"max_tokens":500,"messages":[{"content":"` + system + `","role":"system"},{"content":"` + user +
		`","role":"user"}],"model":"openai/gpt-oss-120b:free","stream":true,"stream_options":{"include_usage":true}}`
	if got := string(up.requests()[0].body); got != want {
		t.Errorf("upstream got\n%s\nwant\n%s", got, want)
	}
}

// The openai Python SDK's typical body (httpx's older spacing, non-ASCII
// escaped, a null the SDK may pass through) arrives upstream re-encoded.
func TestPythonSDKBodyArrivesExactly(t *testing.T) {
	body := `{"messages": [{"role": "system", "content": "Tu es un expert."}, {"role": "user", "content": "Caf\u00e9 <ou> th\u00e9 & lait?"}], ` +
		`"model": "openai/gpt-oss-120b:free", "max_completion_tokens": 9000, "seed": null, "stream": true, ` +
		`"stream_options": {"include_usage": true}, "temperature": 0.7, "top_p": 1, "user": "student-7"}`
	want := `{"max_completion_tokens":500,"messages":[{"content":"Tu es un expert.","role":"system"},{"content":"Café <ou> thé & lait?","role":"user"}],` +
		`"model":"openai/gpt-oss-120b:free","stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"top_p":1,"user":"student-7"}`
	if got := sentBody(t, body); got != want {
		t.Errorf("upstream got\n%s\nwant\n%s", got, want)
	}
}

// goOpenAIRequest uses the common fields of go-openai v1.43.0's
// ChatCompletionRequest, function tools and a tool call's answer included.
func goOpenAIRequest() openai.ChatCompletionRequest {
	seed := 42
	return openai.ChatCompletionRequest{
		Model: "openai/gpt-oss-120b:free",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Answer in JSON."},
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{{Type: openai.ChatMessagePartTypeText, Text: "Weather in Ulaanbaatar?"}}, Name: "alice"},
			{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{{ID: "call_1", Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: "weather", Arguments: `{"city":"Ulaanbaatar"}`}}}},
			{Role: openai.ChatMessageRoleTool, ToolCallID: "call_1", Content: `{"celsius":-20}`},
			{Role: openai.ChatMessageRoleAssistant, Content: "It is cold.", ReasoningContent: "The tool said -20."},
		},
		MaxTokens: 300, Temperature: 0.7, TopP: 0.9, N: 1, Stop: []string{"\n\n", "END"},
		PresencePenalty: 0.5, FrequencyPenalty: -0.25, Seed: &seed, User: "student-7",
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "weather", Strict: true,
				Schema: json.RawMessage(`{"type":"object","properties":{"celsius":{"type":"number"}},"required":["celsius"]}`)}},
		LogProbs: true, TopLogProbs: 2,
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "weather",
			Description: "Today's weather", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}},
		ToolChoice:        openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: "weather"}},
		ParallelToolCalls: false,
		ReasoningEffort:   "low",
	}
}

// A go-openai request with the common fields, marshalled and sent by
// go-openai itself, passes and arrives upstream as go-openai wrote it (its
// null parameters left out, max_tokens within the cap).
func TestGoOpenAIRequestArrives(t *testing.T) {
	completion := `{"id":"gen-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"celsius\":-20}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}}`
	up := newUpstream(t, play(fakeWire{header: map[string]string{"Content-Type": "application/json"}, parts: []string{completion}}))
	tr := startRelay(t, up, func(c *Config) { c.Student.MaxTokens = 500 }, Options{})
	cfg := openai.DefaultConfig(aliceToken)
	cfg.BaseURL = tr.base
	req := goOpenAIRequest()
	if _, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sent, _ := json.Marshal(req)
	var want, got map[string]any
	decodeNumbers(t, sent, &want)
	decodeNumbers(t, up.requests()[0].body, &got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upstream got\n%s\ngo-openai sent\n%s", up.requests()[0].body, sent)
	}
	for _, key := range []string{"tools", "tool_choice", "response_format", "seed", "reasoning_effort", "parallel_tool_calls", "logprobs"} {
		if _, ok := got[key]; !ok {
			t.Errorf("%s was not sent", key)
		}
	}
}

// decodeNumbers decodes JSON keeping numbers' text.
func decodeNumbers(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// Null optional fields are left out; other values arrive as sent, numbers
// with their text.
func TestCheckedValuesArriveAsSent(t *testing.T) {
	body := lessonStart + `,"temperature":1.50,"top_p":null,"n":1,"stop":"END","max_tokens":0,"seed":-7,` +
		`"tool_choice":"none","tools":[],"response_format":{"type":"json_object"},"reasoning_effort":null,"parallel_tool_calls":true}`
	want := `{"max_tokens":0,"messages":[{"content":"How often?","role":"user"}],"model":"openai/gpt-oss-120b:free","n":1,` +
		`"parallel_tool_calls":true,"response_format":{"type":"json_object"},"seed":-7,"stop":"END","temperature":1.50,"tool_choice":"none","tools":[]}`
	if got := sentBody(t, body); got != want {
		t.Errorf("upstream got\n%s\nwant\n%s", got, want)
	}
}

// FuzzParseChat checks that parseChat either refuses a body or returns one
// whose re-encoding holds only allowed fields (at the top level and in
// each message) and is itself accepted unchanged.
func FuzzParseChat(f *testing.F) {
	for _, a := range attacks() {
		f.Add([]byte(a.body))
	}
	f.Add([]byte(chatBody(true, `,"stream_options":{"include_usage":true},"max_tokens":99999`)))
	b, _ := json.Marshal(goOpenAIRequest())
	f.Add(b)
	cfg := DefaultConfig()
	f.Fuzz(func(t *testing.T, body []byte) {
		c, aerr := parseChat(body, &cfg)
		if aerr != nil {
			if aerr.status != http.StatusBadRequest || aerr.message == "" {
				t.Fatalf("refused with %d %q", aerr.status, aerr.message)
			}
			return
		}
		out, err := c.encode()
		if err != nil {
			t.Fatalf("cannot encode an accepted request: %v", err)
		}
		in, aerr := readObject(out)
		if aerr != nil {
			t.Fatalf("the forwarded body does not read back (%s): %s", aerr.message, out)
		}
		for k := range in {
			if _, ok := chatFields.fields[k]; !ok {
				t.Fatalf("forwarded the field %q: %s", k, out)
			}
		}
		msgs, _ := in["messages"].([]any)
		for _, m := range msgs {
			for k := range m.(map[string]any) {
				if _, ok := messageFields.fields[k]; !ok {
					t.Fatalf("forwarded the message field %q: %s", k, out)
				}
			}
		}
		again, aerr := parseChat(out, &cfg)
		if aerr != nil {
			t.Fatalf("the forwarded body is refused (%s): %s", aerr.message, out)
		}
		if out2, _ := again.encode(); !bytes.Equal(out, out2) {
			t.Fatalf("re-encoding changed the body:\n%s\n%s", out, out2)
		}
	})
}
