package connect

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// hidden replaces a secret in any text the helpers show.
const hidden = "[hidden]"

// Patterns of secrets that may turn up in an error or in text a server sent
// back, whether or not the helpers have seen the secret itself.
var (
	// A URL's user:password (or a token as the user name).
	userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#"'<>]+@`)
	// A query or form parameter whose name says it holds a secret.
	secretParamRE = regexp.MustCompile(`(?i)([?&;]|\b)((?:api[_-]?key|key|token|access[_-]?token|auth|password|passwd|secret|sig|signature)=)[^&\s"'<>#]+`)
	// An Authorization header, or a bearer token, echoed back.
	authHeaderRE = regexp.MustCompile(`(?i)\b(authorization"?\s*[:=]\s*"?\s*)(?:(bearer|basic|token)\s+)?[^\s"',}]+`)
	bearerRE     = regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}`)
)

// Secrets holds the keys, URL passwords and tokens a program has seen, to
// hide them from any text it shows. The zero value is empty and ready; a
// Secrets is safe for concurrent use.
type Secrets struct {
	mu   sync.Mutex
	list []string
}

// Redact hides secrets in text: every API key, URL password and token s has
// been told of, a URL's user:password, query parameters such as key= and
// token=, and Authorization headers or bearer tokens a server echoed back.
// Each becomes "[hidden]". A nil Secrets hides only what looks like a
// secret.
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return redactPatterns(text)
	}
	s.mu.Lock()
	keys := append([]string(nil), s.list...)
	s.mu.Unlock()
	for _, k := range keys {
		text = strings.ReplaceAll(text, k, hidden)
	}
	return redactPatterns(text)
}

// redactPatterns hides the secrets that Redact finds by their shape.
func redactPatterns(s string) string {
	s = userinfoRE.ReplaceAllString(s, "${1}"+hidden+"@")
	s = secretParamRE.ReplaceAllString(s, "${1}${2}"+hidden)
	s = authHeaderRE.ReplaceAllStringFunc(s, redactAuthHeader)
	return bearerRE.ReplaceAllString(s, "${1} "+hidden)
}

// redactAuthHeader hides the credentials of one Authorization match.
func redactAuthHeader(m string) string {
	sub := authHeaderRE.FindStringSubmatch(m)
	if sub[2] != "" {
		return sub[1] + sub[2] + " " + hidden
	}
	return sub[1] + hidden
}

// Remember adds key to the texts Redact hides.
func (s *Secrets) Remember(key string) {
	if len(key) < 4 { // too short to hide without hiding ordinary words
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.list {
		if k == key {
			return
		}
	}
	s.list = append(s.list, key)
}

// HideURL remembers the secrets a base URL carries (its user:password and
// secret query parameters) and returns the URL to show: without user
// information, with those parameters hidden.
func (s *Secrets) HideURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactPatterns(raw)
	}
	if u.User != nil {
		s.Remember(u.User.String())
		if p, ok := u.User.Password(); ok {
			s.Remember(p)
		} else {
			s.Remember(u.User.Username()) // a token given as the user name
		}
		u.User = nil
	}
	q := u.Query()
	for name, vals := range q {
		if secretParamRE.MatchString(name + "=x") {
			for _, v := range vals {
				s.Remember(v)
			}
			q[name] = []string{hidden}
		}
	}
	if len(q) > 0 {
		u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(hidden), hidden)
	}
	return u.String()
}
