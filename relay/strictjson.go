package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/k12notebooks/golessons/classapi"
)

// maxDepth bounds the nesting of objects and arrays in a request body: the
// request object itself is depth 1.
const maxDepth = 32

// strictReader reads a JSON document token by token into plain values
// (map[string]any, []any, string, json.Number, bool, nil), refusing what
// encoding/json would let through silently: a key given twice in one object
// (json.Unmarshal keeps the last one), nesting deeper than maxDepth, and
// anything after the top-level value. Keys are compared after unescaping,
// so "\u006dodel" and "model" are the same key.
type strictReader struct {
	dec *json.Decoder
}

// readObject reads body, which must be exactly one JSON object in valid
// UTF-8 (surrounding whitespace allowed, no byte-order mark), and returns
// its members. Errors are 400 answers naming what is wrong.
func readObject(body []byte) (map[string]any, *apiError) {
	notObject := newError(http.StatusBadRequest, classapi.TypeInvalidRequest,
		"The request body is not a JSON object (the class relay expects an OpenAI chat request).")
	if !utf8.Valid(body) {
		return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest,
			"The request body is not valid UTF-8 text (the class relay expects an OpenAI chat request in JSON).")
	}
	r := &strictReader{dec: json.NewDecoder(bytes.NewReader(body))}
	r.dec.UseNumber()
	tok, err := r.dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	obj, aerr := r.object("", 1)
	if aerr != nil {
		return nil, aerr
	}
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest,
			"The request body has more after its JSON object; send exactly one JSON object.")
	}
	return obj, nil
}

// object reads the members of an object whose '{' was just read, at the
// given path and depth.
func (r *strictReader) object(path string, depth int) (map[string]any, *apiError) {
	m := map[string]any{}
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		if tok == json.Delim('}') {
			return m, nil
		}
		key, ok := tok.(string)
		if !ok {
			return nil, syntaxError(nil)
		}
		if _, dup := m[key]; dup {
			return nil, newError(http.StatusBadRequest, classapi.TypeFieldNotAllowed, fmt.Sprintf(
				"The class relay does not send a request that has the field %q twice%s. Remove one of them.", key, inPath(path)))
		}
		v, aerr := r.value(joinPath(path, key), depth)
		if aerr != nil {
			return nil, aerr
		}
		m[key] = v
	}
}

// array reads the elements of an array whose '[' was just read.
func (r *strictReader) array(path string, depth int) ([]any, *apiError) {
	a := []any{}
	for {
		if !r.dec.More() {
			if tok, err := r.dec.Token(); err != nil || tok != json.Delim(']') {
				return nil, syntaxError(err)
			}
			return a, nil
		}
		v, aerr := r.value(path+"["+strconv.Itoa(len(a))+"]", depth)
		if aerr != nil {
			return nil, aerr
		}
		a = append(a, v)
	}
}

// value reads the next value, a member or element of a container at depth.
func (r *strictReader) value(path string, depth int) (any, *apiError) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth+1 > maxDepth {
		return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest, fmt.Sprintf(
			"The request is nested too deeply (more than %d levels of objects and lists). Send a simpler request.", maxDepth))
	}
	switch d {
	case '{':
		return r.object(path, depth+1)
	case '[':
		return r.array(path, depth+1)
	}
	return nil, syntaxError(nil) // a closing delimiter where a value belongs
}

// syntaxError is the answer to a body that is not well-formed JSON.
func syntaxError(err error) *apiError {
	msg := "The request body is not well-formed JSON"
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg += fmt.Sprintf(" (at byte %d: %s)", se.Offset, se.Error())
	}
	return newError(http.StatusBadRequest, classapi.TypeInvalidRequest, msg+". Send an OpenAI chat request.")
}

// joinPath names a member of the object at path: "model",
// "messages[0].role".
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// inPath is " in <path>" for a nested object, "" for the request itself.
func inPath(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}
