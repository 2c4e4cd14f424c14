package classview

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// randomID returns n random bytes, URL-safe base64 without padding (as
// Python's secrets.token_urlsafe).
func randomID(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// randomBytes returns n bytes from crypto/rand; it panics without
// randomness, as no session or key would then be safe.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("classview: no randomness: " + err.Error())
	}
	return b
}

// cookieJar sets and reads the class view's cookies: signed with a key made
// at start (so a restart signs everyone out), HttpOnly, SameSite=Lax, on the
// service's prefix (or "/" with JupyterHub's __Host- prefix), Secure over
// https.
type cookieJar struct {
	key        []byte
	path       string
	hostPrefix bool
	secure     bool // always Secure (config or JUPYTERHUB_PUBLIC_URL is https)
}

func newCookieJar(cfg *Config) *cookieJar {
	j := &cookieJar{key: randomBytes(32), path: cfg.Prefix, hostPrefix: cfg.cookieHostPrefix, secure: cfg.SecureCookies}
	if j.hostPrefix {
		j.path, j.secure = "/", true
	}
	return j
}

// name returns a cookie's name, with the __Host- prefix when JupyterHub uses it.
func (j *cookieJar) name(base string) string {
	if j.hostPrefix {
		return "__Host-" + base
	}
	return base
}

func (j *cookieJar) mac(name, value string) string {
	m := hmac.New(sha256.New, j.key)
	m.Write([]byte(name + "=" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isHTTPS reports whether the browser's request came over https: directly,
// or through JupyterHub's proxy, which sets X-Forwarded-Proto.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// set sets the signed cookie name=value for maxAge (0: until the browser closes).
func (j *cookieJar) set(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value + "." + j.mac(name, value), Path: j.path,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: j.secure || isHTTPS(r)}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// clear removes the cookie name.
func (j *cookieJar) clear(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: j.path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: j.secure || isHTTPS(r)})
}

// get returns the value of the signed cookie name, or "" when it is absent
// or its signature is wrong.
func (j *cookieJar) get(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i <= 0 {
		return ""
	}
	value, sig := c.Value[:i], c.Value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(j.mac(name, value))) {
		return ""
	}
	return value
}
