package answerfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/k12notebooks/golessons/quiz"
)

// Version is the schema version of the answers files written here (see the
// package documentation). The widget's script writes the same version.
const Version = 1

// wholeNumber is how a version is written: 1, 2, ... (not 1.0 or 1e0).
var wholeNumber = regexp.MustCompile(`^[1-9][0-9]{0,8}$`)

// NewerVersionError reports an answers file of a schema version newer than
// this program reads.
type NewerVersionError struct {
	// Name is the file, as given to Parse.
	Name string
	// Version is the file's version, above Version.
	Version int
}

// Error says what the file is and what to do.
func (e *NewerVersionError) Error() string {
	return fmt.Sprintf("%s: written by newer lessons (answers file version %d; this program reads versions 1 to %d): "+
		"update the lessons on this computer (git pull, then make setup) and run again", e.Name, e.Version, Version)
}

// checkVersion reads the top-level "version" of data, a JSON document (a
// malformed one is left to the full parse), and checks it against the
// rules of the package documentation.
func checkVersion(data []byte, name string) error {
	raw, at := topLevel(data, "version")
	if raw == nil || string(raw) == "null" {
		return nil // version 1, implicit
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 1 || !wholeNumber.Match(raw) {
		return fmt.Errorf("%s: %w", name, quiz.OffsetError(data, at, fmt.Sprintf("\"version\" must be a whole number from 1 up (this program writes %d), not %s", Version, raw)))
	}
	if v > Version {
		return &NewerVersionError{Name: name, Version: v}
	}
	return nil
}

// topLevel returns the raw value of key in the top-level object of data
// and its byte offset; nil when data is not an object holding key (or is
// not well-formed JSON up to it).
func topLevel(data []byte, key string) (json.RawMessage, int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, 0
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, 0
		}
		off := int(dec.InputOffset())
		for off < len(data) && strings.IndexByte(" \t\r\n:", data[off]) >= 0 {
			off++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0
		}
		if k == key {
			return raw, off
		}
	}
	return nil, 0
}
