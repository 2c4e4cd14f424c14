package quiz

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds a small JSON reader that remembers where every value and
// key starts, so that validation can point at the exact line and column, and
// that also accepts the typographic quotes (“ ” ‘ ’) a word processor puts in
// place of JSON's straight double quotes.
//
// A string opened by a straight quote follows JSON exactly. A string opened by
// a typographic quote ends at the next quote character (“ ” ‘ ’ ") that is
// followed, after any spaces, by a colon, a comma, a closing bracket or the end
// of the text; any other quote inside it is text. So “The model’s confidence
// score” keeps its apostrophe.

type kind int

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "true or false"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "a list [...]"
	case kindObject:
		return "an object {...}"
	}
	return "a value"
}

// value is one parsed JSON value and where it starts (a rune index).
type value struct {
	kind    kind
	start   int
	str     string  // kindString
	num     float64 // kindNumber
	raw     string  // kindNumber: the number as written
	boolean bool    // kindBool
	members []member
	elems   []*value
}

// member is one "key": value pair of an object.
type member struct {
	key      string
	keyStart int
	val      *value
}

// get returns the member named key, or nil.
func (v *value) get(key string) *member {
	for i := range v.members {
		if v.members[i].key == key {
			return &v.members[i]
		}
	}
	return nil
}

type jsonParser struct {
	src *source
	r   []rune
	i   int
}

// parseJSON reads one JSON value that fills the whole text.
func parseJSON(src *source) (*value, *Error) {
	p := &jsonParser{src: src, r: src.runes}
	p.skipSpace()
	if p.i >= len(p.r) {
		return nil, p.errorf(p.i, "the question text is empty: expected a JSON object { ... } or a list [ ... ]")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.r) {
		return nil, p.errorf(p.i, "unexpected %s after the end of the JSON value; is a comma or bracket misplaced?", describe(p.r[p.i]))
	}
	return v, nil
}

func (p *jsonParser) errorf(i int, format string, args ...any) *Error {
	return p.src.errorAt(i, format, args...)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\ufeff' || unicode.IsSpace(r)
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.r) && isSpace(p.r[p.i]) {
		p.i++
	}
}

func isTypographicQuote(r rune) bool {
	return r == '“' || r == '”' || r == '‘' || r == '’' || r == '„' || r == '«' || r == '»'
}

func isOpeningQuote(r rune) bool {
	return r == '"' || isTypographicQuote(r)
}

// describe names a character for an error message.
func describe(r rune) string {
	switch {
	case r == '\n':
		return "line break"
	case r == '\t':
		return "tab"
	case r < ' ':
		return "control character " + strconv.QuoteRune(r)
	}
	return "character " + strconv.QuoteRune(r)
}

func (p *jsonParser) value() (*value, *Error) {
	if p.i >= len(p.r) {
		return nil, p.errorf(p.i, "the JSON text ends where a value was expected")
	}
	start := p.i
	c := p.r[p.i]
	switch {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case isOpeningQuote(c):
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &value{kind: kindString, start: start, str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == '\'':
		return nil, p.errorf(p.i, "JSON strings use double quotes (\"), not single quotes (')")
	case c == '/':
		return nil, p.errorf(p.i, "JSON has no comments; remove the comment")
	}
	word := p.word()
	switch word {
	case "true", "false":
		return &value{kind: kindBool, start: start, boolean: word == "true"}, nil
	case "null":
		return &value{kind: kindNull, start: start}, nil
	case "True", "False", "TRUE", "FALSE":
		return nil, p.errorf(start, "write %s in lower case (JSON's true and false), or as a string \"%s\"", word, word)
	case "None":
		return nil, p.errorf(start, "JSON writes None as null")
	case "":
		return nil, p.errorf(start, "unexpected %s where a value was expected", describe(c))
	}
	return nil, p.errorf(start, "unexpected word %q where a value was expected; strings need quotes", word)
}

// word reads a run of letters, digits and underscores.
func (p *jsonParser) word() string {
	j := p.i
	for j < len(p.r) && (unicode.IsLetter(p.r[j]) || unicode.IsDigit(p.r[j]) || p.r[j] == '_') {
		j++
	}
	w := string(p.r[p.i:j])
	p.i = j
	return w
}

func (p *jsonParser) object() (*value, *Error) {
	v := &value{kind: kindObject, start: p.i}
	open := p.i
	p.i++ // {
	seen := map[string]int{}
	p.skipSpace()
	if p.i < len(p.r) && p.r[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.r) {
			return nil, p.errorf(open, "this { is never closed with }")
		}
		c := p.r[p.i]
		if c == '}' {
			return nil, p.errorf(p.i, "trailing comma before }: remove the last comma")
		}
		if !isOpeningQuote(c) {
			if c == '/' {
				return nil, p.errorf(p.i, "JSON has no comments; remove the comment")
			}
			if c == '\'' {
				return nil, p.errorf(p.i, "JSON field names use double quotes (\"), not single quotes (')")
			}
			return nil, p.errorf(p.i, "expected a field name in double quotes, found %s", describe(c))
		}
		keyStart := p.i
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := seen[key]; dup {
			return nil, p.errorf(keyStart, "duplicate field %q in the same object", key)
		}
		seen[key] = keyStart
		p.skipSpace()
		if p.i >= len(p.r) || p.r[p.i] != ':' {
			if p.i >= len(p.r) {
				return nil, p.errorf(open, "this { is never closed with }")
			}
			return nil, p.errorf(p.i, "expected ':' after field name %q, found %s", key, describe(p.r[p.i]))
		}
		p.i++
		p.skipSpace()
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, member{key: key, keyStart: keyStart, val: val})
		p.skipSpace()
		if p.i >= len(p.r) {
			return nil, p.errorf(open, "this { is never closed with }")
		}
		switch p.r[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return v, nil
		default:
			if isOpeningQuote(p.r[p.i]) {
				return nil, p.errorf(p.i, "missing comma before this field")
			}
			return nil, p.errorf(p.i, "expected ',' or '}' after the value of %q, found %s", key, describe(p.r[p.i]))
		}
	}
}

func (p *jsonParser) array() (*value, *Error) {
	v := &value{kind: kindArray, start: p.i}
	open := p.i
	p.i++ // [
	p.skipSpace()
	if p.i < len(p.r) && p.r[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.r) {
			return nil, p.errorf(open, "this [ is never closed with ]")
		}
		if p.r[p.i] == ']' {
			return nil, p.errorf(p.i, "trailing comma before ]: remove the last comma")
		}
		elem, err := p.value()
		if err != nil {
			return nil, err
		}
		v.elems = append(v.elems, elem)
		p.skipSpace()
		if p.i >= len(p.r) {
			return nil, p.errorf(open, "this [ is never closed with ]")
		}
		switch p.r[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return v, nil
		default:
			return nil, p.errorf(p.i, "expected ',' or ']' after a list item, found %s", describe(p.r[p.i]))
		}
	}
}

// closesTypographic reports whether the quote at index i ends a string that
// was opened by a typographic quote: it must be followed, after spaces, by
// ':', ',', '}', ']' or the end of the text.
func (p *jsonParser) closesTypographic(i int) bool {
	j := i + 1
	for j < len(p.r) && isSpace(p.r[j]) {
		j++
	}
	if j >= len(p.r) {
		return true
	}
	switch p.r[j] {
	case ':', '}', ']':
		return true
	case ',':
		// After a comma comes another value or field name, never plain text.
		k := j + 1
		for k < len(p.r) && isSpace(p.r[k]) {
			k++
		}
		if k >= len(p.r) {
			return true
		}
		c := p.r[k]
		return isOpeningQuote(c) || c == '{' || c == '[' || c == ']' || c == '}' || c == '-' ||
			(c >= '0' && c <= '9') || strings.HasPrefix(string(p.r[k:min(k+5, len(p.r))]), "true") ||
			strings.HasPrefix(string(p.r[k:min(k+5, len(p.r))]), "false") ||
			strings.HasPrefix(string(p.r[k:min(k+4, len(p.r))]), "null")
	}
	return false
}

// str reads a string starting at a quote and returns its text.
func (p *jsonParser) str() (string, *Error) {
	open := p.i
	typographic := p.r[p.i] != '"'
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.r) {
			return "", p.errorf(open, "this string is never closed: add the closing quote")
		}
		c := p.r[p.i]
		switch {
		case c == '"' && !typographic:
			p.i++
			return b.String(), nil
		case typographic && (c == '"' || isTypographicQuote(c)) && p.closesTypographic(p.i):
			p.i++
			return b.String(), nil
		case c == '\\':
			if err := p.escape(&b, typographic); err != nil {
				return "", err
			}
			continue
		case c == '\n' || c == '\r':
			return "", p.errorf(p.i, "line break inside a string: close the string on the line it starts, or write \\n")
		case c < ' ':
			return "", p.errorf(p.i, "%s inside a string: write it as an escape such as \\t", describe(c))
		}
		b.WriteRune(c)
		p.i++
	}
}

// escape reads one backslash escape at p.i and writes what it stands for.
func (p *jsonParser) escape(b *strings.Builder, typographic bool) *Error {
	at := p.i
	p.i++ // backslash
	if p.i >= len(p.r) {
		return p.errorf(at, "the text ends inside an escape")
	}
	c := p.r[p.i]
	p.i++
	switch c {
	case '"', '\\', '/':
		b.WriteRune(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, err := p.hex4(at)
		if err != nil {
			return err
		}
		if utf16IsHigh(r) && p.i+1 < len(p.r) && p.r[p.i] == '\\' && p.r[p.i+1] == 'u' {
			save := p.i
			p.i += 2
			lo, err := p.hex4(save)
			if err != nil {
				return err
			}
			if lo >= 0xDC00 && lo <= 0xDFFF {
				r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
			} else {
				p.i = save
			}
		}
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	default:
		if typographic && isTypographicQuote(c) {
			b.WriteRune(c)
			return nil
		}
		return p.errorf(at, "unknown escape \\%c: JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX", c)
	}
	return nil
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }

// hex4 reads the four hex digits of a \u escape; at is the backslash.
func (p *jsonParser) hex4(at int) (rune, *Error) {
	if p.i+4 > len(p.r) {
		return 0, p.errorf(at, "\\u needs four hex digits, as in \\u0060")
	}
	n, err := strconv.ParseUint(string(p.r[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, p.errorf(at, "\\u needs four hex digits, as in \\u0060")
	}
	p.i += 4
	return rune(n), nil
}

func (p *jsonParser) number() (*value, *Error) {
	start := p.i
	j := p.i
	digits := func() int {
		n := 0
		for j < len(p.r) && p.r[j] >= '0' && p.r[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if p.r[j] == '-' {
		j++
	}
	intStart := j
	if digits() == 0 {
		return nil, p.errorf(start, "a number needs digits after '-'")
	}
	if p.r[intStart] == '0' && j-intStart > 1 {
		return nil, p.errorf(start, "numbers cannot start with 0 in JSON (write %s)", strings.TrimLeft(string(p.r[intStart:j]), "0"))
	}
	if j < len(p.r) && p.r[j] == '.' {
		j++
		if digits() == 0 {
			return nil, p.errorf(start, "a number needs digits after the decimal point")
		}
	}
	if j < len(p.r) && (p.r[j] == 'e' || p.r[j] == 'E') {
		j++
		if j < len(p.r) && (p.r[j] == '+' || p.r[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, p.errorf(start, "a number needs digits after the exponent")
		}
	}
	raw := string(p.r[start:j])
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return nil, p.errorf(start, "number %s is out of range", raw)
	}
	p.i = j
	return &value{kind: kindNumber, start: start, num: n, raw: raw}, nil
}
