package relay

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/k12notebooks/golessons/classapi"
)

// A fieldCheck checks the value of one field, read by readObject, and
// returns the value to send upstream: built from checked values only. path
// names the field in messages ("temperature", "messages[0].role").
type fieldCheck func(path string, v any) (any, *apiError)

// objectSpec describes the fields an object may have.
type objectSpec struct {
	fields   map[string]fieldCheck
	required []string
}

// chatFields is the allow-list of a chat request's fields: nothing else is
// sent upstream. See the package documentation.
var chatFields objectSpec

// messageFields is the allow-list of a message's fields.
var messageFields objectSpec

func init() {
	short := stringUpTo(256)
	messageFields = objectSpec{required: []string{"role"}, fields: map[string]fieldCheck{
		"role":              enum("system", "user", "assistant", "developer", "tool"),
		"content":           checkContent,
		"name":              short,
		"tool_call_id":      short,
		"tool_calls":        listOf(128, object(toolCallFields)),
		"refusal":           stringUpTo(0),
		"reasoning_content": stringUpTo(0),
	}}
	chatFields = objectSpec{required: []string{"model", "messages"}, fields: map[string]fieldCheck{
		"model":                 stringUpTo(256),
		"messages":              listOf(0, object(messageFields)),
		"stream":                boolean,
		"stream_options":        object(objectSpec{fields: map[string]fieldCheck{"include_usage": boolean}}),
		"max_tokens":            integer(0, math.MaxInt64),
		"max_completion_tokens": integer(0, math.MaxInt64),
		"temperature":           number(0, 2),
		"top_p":                 number(0, 1),
		"n":                     integer(1, 1),
		"stop":                  checkStop,
		"presence_penalty":      number(-2, 2),
		"frequency_penalty":     number(-2, 2),
		"seed":                  integer(math.MinInt64, math.MaxInt64),
		"user":                  short,
		"response_format":       object(responseFormatFields),
		"logprobs":              boolean,
		"top_logprobs":          integer(0, 20),
		"tools":                 listOf(64, object(toolFields)),
		"tool_choice":           checkToolChoice,
		"parallel_tool_calls":   boolean,
		"reasoning_effort":      enum("none", "minimal", "low", "medium", "high"),
	}}
}

// Specs of the objects inside a request.
var (
	functionCallFields = objectSpec{fields: map[string]fieldCheck{
		"name": stringUpTo(256), "arguments": stringUpTo(0)}}
	toolCallFields = objectSpec{required: []string{"type", "function"}, fields: map[string]fieldCheck{
		"index": integer(0, 1<<16), "id": stringUpTo(256), "type": enum("function"), "function": object(functionCallFields)}}
	functionFields = objectSpec{required: []string{"name"}, fields: map[string]fieldCheck{
		"name": stringUpTo(256), "description": stringUpTo(0), "parameters": anyObject, "strict": boolean}}
	toolFields = objectSpec{required: []string{"type", "function"}, fields: map[string]fieldCheck{
		"type": enum("function"), "function": object(functionFields)}}
	toolChoiceFields = objectSpec{required: []string{"type", "function"}, fields: map[string]fieldCheck{
		"type": enum("function"), "function": object(objectSpec{required: []string{"name"},
			fields: map[string]fieldCheck{"name": stringUpTo(256)}})}}
	jsonSchemaFields = objectSpec{required: []string{"name"}, fields: map[string]fieldCheck{
		"name": stringUpTo(256), "description": stringUpTo(0), "schema": anyObject, "strict": boolean}}
	responseFormatFields = objectSpec{required: []string{"type"}, fields: map[string]fieldCheck{
		"type": enum("text", "json_object", "json_schema"), "json_schema": object(jsonSchemaFields)}}
	textPartFields = objectSpec{required: []string{"type", "text"}, fields: map[string]fieldCheck{
		"type": enum("text"), "text": stringUpTo(0)}}
)

// refusedFields are fields the class relay never sends, with the reason it
// gives. Fields not listed here and not allowed get a general reason.
var refusedFields = map[string]string{
	"models":             "it would let a request use other models than the class's",
	"route":              "it would let a request fall back to other models than the class's",
	"preset":             "it uses settings saved in an OpenRouter account, which can choose other models",
	"provider":           "it chooses which company runs the model, and that can cost money",
	"plugins":            "it adds paid extras such as web search",
	"web_search_options": "it turns on web search, which costs money",
	"transforms":         "it asks OpenRouter to change the conversation before the model reads it",
	"prediction":         "a predicted answer can cost extra tokens",
	"audio":              "spoken answers cost extra",
	"modalities":         "it asks for pictures or sound in the answer, which cost extra",
	"service_tier":       "it chooses a faster, more expensive service",
	"store":              "it asks the provider to keep the conversation, and the class does not keep conversations there",
	"metadata":           "it is kept with the conversation by the provider",
	"reasoning":          "OpenRouter's reasoning settings can ask for more thinking tokens than the class allows; use \"reasoning_effort\" instead",
	"functions":          "it is the old form of tools; use \"tools\" instead",
	"function_call":      "it is the old form of tools; use \"tools\" and \"tool_choice\" instead",
	"logit_bias":         "the class relay does not need it for the lessons",
	"usage":              "the class relay asks for the usage itself",
}

// checkObject checks v against spec: an object with only the allowed
// fields, exactly spelled, each valid, the required ones present. Names are
// checked before values, so a refused field is always named. Null optional
// fields are left out (as if absent).
func checkObject(path string, v any, spec objectSpec) (map[string]any, *apiError) {
	in, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(path, "must be a JSON object {…}")
	}
	names := sortedKeys(in)
	for _, name := range names {
		if _, ok := spec.fields[name]; !ok {
			return nil, refuseField(path, name, spec)
		}
	}
	out := make(map[string]any, len(in))
	for _, name := range names {
		check := spec.fields[name]
		if in[name] == nil && !contains(spec.required, name) {
			continue
		}
		val, aerr := check(joinPath(path, name), in[name])
		if aerr != nil {
			return nil, aerr
		}
		out[name] = val
	}
	for _, name := range spec.required {
		if _, ok := in[name]; !ok {
			return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest, fmt.Sprintf(
				"The field %q is missing%s; the class relay needs it.", name, inPath(path)))
		}
	}
	return out, nil
}

// refuseField is the 400 for a field name that spec does not allow: a
// refused field, a field spelled with other capital letters than an allowed
// one, or an unknown field.
func refuseField(path, name string, spec objectSpec) *apiError {
	where := inPath(path)
	if path == "" {
		for refused, reason := range refusedFields {
			if strings.EqualFold(name, refused) {
				return refusal(fmt.Sprintf("The class relay does not send the field %q: %s. Remove it from your request.", name, reason))
			}
		}
	}
	for known := range spec.fields {
		if strings.EqualFold(name, known) {
			return refusal(fmt.Sprintf("The class relay does not send the field %q%s: field names must be written exactly, "+
				"in the same small and capital letters. Write it as %q.", name, where, known))
		}
	}
	return refusal(fmt.Sprintf("The class relay does not send the field %q%s: it is not one of the fields the class "+
		"relay checks and passes on. Remove it from your request.", name, where))
}

// refusal is a 400 field_not_allowed answer.
func refusal(msg string) *apiError {
	return newError(http.StatusBadRequest, classapi.TypeFieldNotAllowed, msg)
}

// invalid is a 400 for a field whose value is wrong: "<path> <must>."
func invalid(path, must string) *apiError {
	return newError(http.StatusBadRequest, classapi.TypeInvalidRequest, fmt.Sprintf("The field %q %s. Fix it in your request.", path, must))
}

// object returns a check of an object against spec.
func object(spec objectSpec) fieldCheck {
	return func(path string, v any) (any, *apiError) { return checkObject(path, v, spec) }
}

// anyObject accepts any JSON object (a JSON schema). Its contents were read
// by readObject: plain values, depth bounded, no key twice.
func anyObject(path string, v any) (any, *apiError) {
	if _, ok := v.(map[string]any); !ok {
		return nil, invalid(path, "must be a JSON object {…}")
	}
	return v, nil
}

// listOf returns a check of a list of at most max elements (0: no bound),
// each checked by elem.
func listOf(max int, elem fieldCheck) fieldCheck {
	return func(path string, v any) (any, *apiError) {
		in, ok := v.([]any)
		if !ok {
			return nil, invalid(path, "must be a list […]")
		}
		if max > 0 && len(in) > max {
			return nil, invalid(path, fmt.Sprintf("may hold at most %d elements", max))
		}
		out := make([]any, len(in))
		for i, e := range in {
			var aerr *apiError
			if out[i], aerr = elem(path+"["+strconv.Itoa(i)+"]", e); aerr != nil {
				return nil, aerr
			}
		}
		return out, nil
	}
}

// boolean accepts true or false.
func boolean(path string, v any) (any, *apiError) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return nil, invalid(path, "must be true or false")
}

// stringUpTo returns a check of a string of at most max bytes (0: no bound
// but the body's).
func stringUpTo(max int) fieldCheck {
	return func(path string, v any) (any, *apiError) {
		s, ok := v.(string)
		if !ok {
			return nil, invalid(path, "must be a string (text in quotes)")
		}
		if max > 0 && len(s) > max {
			return nil, invalid(path, fmt.Sprintf("may be at most %d characters long", max))
		}
		return s, nil
	}
}

// enum returns a check of a string that must be one of values.
func enum(values ...string) fieldCheck {
	return func(path string, v any) (any, *apiError) {
		s, ok := v.(string)
		if ok && contains(values, s) {
			return s, nil
		}
		if len(values) == 1 {
			return nil, invalid(path, "must be "+strconv.Quote(values[0]))
		}
		return nil, invalid(path, "must be one of "+quoteAll(values))
	}
}

// number returns a check of a number from lo to hi.
func number(lo, hi float64) fieldCheck {
	return func(path string, v any) (any, *apiError) {
		n, ok := v.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil || f < lo || f > hi {
			return nil, invalid(path, fmt.Sprintf("must be a number from %g to %g", lo, hi))
		}
		return n, nil
	}
}

// integer returns a check of a whole number from lo to hi.
func integer(lo, hi int64) fieldCheck {
	return func(path string, v any) (any, *apiError) {
		n, ok := v.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, 64)
		if !ok || err != nil || i < lo || i > hi {
			switch {
			case lo == hi:
				return nil, invalid(path, fmt.Sprintf("must be %d (the class relay asks for one answer at a time)", lo))
			case lo == 0 && hi == math.MaxInt64:
				return nil, invalid(path, "must be a whole number, 0 or more")
			case lo == math.MinInt64:
				return nil, invalid(path, "must be a whole number")
			}
			return nil, invalid(path, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
		}
		return i, nil
	}
}

// checkStop accepts a string or a list of up to 4 strings.
func checkStop(path string, v any) (any, *apiError) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	out, aerr := listOf(4, stringUpTo(0))(path, v)
	if aerr != nil {
		return nil, invalid(path, "must be a string or a list of at most 4 strings")
	}
	return out, nil
}

// checkToolChoice accepts "none", "auto", "required" or
// {"type":"function","function":{"name":…}}.
func checkToolChoice(path string, v any) (any, *apiError) {
	if _, ok := v.(string); ok {
		return enum("none", "auto", "required")(path, v)
	}
	return checkObject(path, v, toolChoiceFields)
}

// partKinds names the content parts the class relay refuses, for messages.
var partKinds = map[string]string{
	"image_url":   "a picture, which costs extra",
	"input_audio": "a sound recording, which costs extra",
	"file":        "a file, which costs extra",
}

// checkContent accepts a message's content: a string, or a list of text
// parts. Pictures, sound and files are refused: they cost extra.
func checkContent(path string, v any) (any, *apiError) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	parts, ok := v.([]any)
	if !ok {
		return nil, invalid(path, "must be a string or a list of text parts")
	}
	for i, p := range parts {
		obj, _ := p.(map[string]any)
		if typ, ok := obj["type"].(string); ok && typ != "text" {
			kind := partKinds[typ]
			if kind == "" {
				kind = "not text"
			}
			return nil, refusal(fmt.Sprintf("The class relay sends only text in messages, and %s[%d] is of type %q (%s). "+
				"Remove it and send text only.", path, i, typ, kind))
		}
	}
	return listOf(0, object(textPartFields))(path, v)
}

// sortedKeys returns m's keys in order, so that the first problem found in
// a request is always the same one.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// quoteAll writes two or more values as "a", "b" or "c".
func quoteAll(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
