package classview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"
)

// Environment variables the class view reads. JupyterHub sets them for a
// managed service (an entry of c.JupyterHub.services with a command), as
// jupyterhub.services.auth.HubOAuth reads them.
const (
	// EnvConfig names the config file when -config is not given.
	EnvConfig = "CLASS_VIEW_CONFIG"
	// EnvConfigJSON holds the config itself, JSON, when there is no file
	// (classroom/class_view_service.py passes it so).
	EnvConfigJSON = "CLASS_VIEW_CONFIG_JSON"
	// EnvAPIURL is the hub's REST API (hub_api_url).
	EnvAPIURL = hub.EnvAPIURL
	// EnvAPIToken is the service's own hub token.
	EnvAPIToken = hub.EnvAPIToken
	// EnvClientID is the service's OAuth client id (client_id).
	EnvClientID = "JUPYTERHUB_CLIENT_ID"
	// EnvServiceName is the service's name in the hub.
	EnvServiceName = "JUPYTERHUB_SERVICE_NAME"
	// EnvServicePrefix is the URL path the hub routes to the service (prefix).
	EnvServicePrefix = hub.EnvServicePrefix
	// EnvServiceURL is the address the hub expects the service at (listen).
	EnvServiceURL = hub.EnvServiceURL
	// EnvBaseURL is the hub's base URL (hub_base_url).
	EnvBaseURL = "JUPYTERHUB_BASE_URL"
	// EnvHost is the hub's public origin, when it has one (hub_host).
	EnvHost = "JUPYTERHUB_HOST"
	// EnvCallbackURL is the OAuth redirect_uri (callback_url).
	EnvCallbackURL = "JUPYTERHUB_OAUTH_CALLBACK_URL"
	// EnvAccessScopes are the scopes that give access (access_scopes).
	EnvAccessScopes = "JUPYTERHUB_OAUTH_ACCESS_SCOPES"
	// EnvScopesDeprecated is EnvAccessScopes' older name.
	EnvScopesDeprecated = "JUPYTERHUB_OAUTH_SCOPES"
	// EnvPublicURL is the hub's public URL; https turns on Secure cookies.
	EnvPublicURL = "JUPYTERHUB_PUBLIC_URL"
	// EnvCookieHostPrefix turns on __Host- cookie names.
	EnvCookieHostPrefix = "JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED"
	// DefaultListen is listen's default outside a hub.
	DefaultListen = "127.0.0.1:10102"
	// DefaultServiceName is the service's name when the hub gives none.
	DefaultServiceName = "class-view"
	// DefaultHomes is homes' default.
	DefaultHomes = "/home/*"
	// DefaultPoll is poll's default.
	DefaultPoll = 2 * time.Second
	// DefaultHubPoll is hub_poll's default.
	DefaultHubPoll = 10 * time.Second
	// DefaultSessionTTL is session_ttl's default.
	DefaultSessionTTL = 8 * time.Hour
	// DefaultSessionRecheck is session_recheck's default.
	DefaultSessionRecheck = time.Minute
	// DefaultHubTimeout is hub_timeout's default.
	DefaultHubTimeout = 5 * time.Second
)

// Config is the class view's config file, JSON; unknown fields are errors.
// The package documentation lists every field with its default.
type Config struct {
	// Listen is the address to listen on (host:port).
	Listen string `json:"listen"`
	// Prefix is the URL path the hub's proxy routes to the service.
	Prefix string `json:"prefix"`
	// HubAPIURL is the hub's REST API, e.g. http://127.0.0.1:8081/hub/api.
	HubAPIURL string `json:"hub_api_url"`
	// HubHost is the hub's public origin, when the browser must be sent to
	// another host to log in; "" keeps the login on the same host.
	HubHost string `json:"hub_host"`
	// HubBaseURL is the hub's base URL (JupyterHub's base_url), "/" by default.
	HubBaseURL string `json:"hub_base_url"`
	// ClientID is the service's OAuth client id, "service-<name>".
	ClientID string `json:"client_id"`
	// CallbackURL is the OAuth redirect_uri, under Prefix.
	CallbackURL string `json:"callback_url"`
	// AccessScopes are the scopes that give access to the service; a
	// signed-in user's token must hold one.
	AccessScopes []string `json:"access_scopes"`
	// Lessons are the lesson notebooks (files or folders) that grade.
	Lessons []string `json:"lessons"`
	// Homes is the pattern of the students' home folders, e.g. /home/*.
	Homes string `json:"homes"`
	// AnswersPaths are where the answers files are in a home.
	AnswersPaths []string `json:"answers_paths"`
	// ExcludeUsers are user names that are not students.
	ExcludeUsers []string `json:"exclude_users"`
	// Relay says where the class relay's usage and queue are.
	Relay RelayConfig `json:"relay"`
	// Poll is how often the homes are read.
	Poll classapi.Duration `json:"poll"`
	// HubPoll is how often the hub's users and the relay are read.
	HubPoll classapi.Duration `json:"hub_poll"`
	// SessionTTL is how long a sign-in lasts.
	SessionTTL classapi.Duration `json:"session_ttl"`
	// SessionRecheck is how often the hub is asked again about a session's token.
	SessionRecheck classapi.Duration `json:"session_recheck"`
	// HubTimeout bounds each request to the hub and the relay.
	HubTimeout classapi.Duration `json:"hub_timeout"`
	// SecureCookies forces the Secure flag on cookies; otherwise it is set
	// when the browser's request came over https.
	SecureCookies bool `json:"secure_cookies"`
	// cookieHostPrefix is JupyterHub's __Host- cookie setting, from the
	// environment only.
	cookieHostPrefix bool
}

// RelayConfig says where the class relay is.
type RelayConfig struct {
	// URL is the relay's address with its prefix, e.g.
	// http://127.0.0.1:10101/services/class-relay/; the class view asks its
	// GET health (the queue, the limits) and GET usage. "" shows neither.
	URL string `json:"url"`
}

// DefaultConfig returns the values used for fields a config file leaves out
// and the environment does not set.
func DefaultConfig() Config {
	return Config{
		Homes:          DefaultHomes,
		Poll:           classapi.Duration(DefaultPoll),
		HubPoll:        classapi.Duration(DefaultHubPoll),
		SessionTTL:     classapi.Duration(DefaultSessionTTL),
		SessionRecheck: classapi.Duration(DefaultSessionRecheck),
		HubTimeout:     classapi.Duration(DefaultHubTimeout),
	}
}

// LoadConfig reads the JSON config file at file (when file is "", the
// JSON in $CLASS_VIEW_CONFIG_JSON, else nothing) over DefaultConfig, fills
// the fields left empty from JupyterHub's service environment (getenv; nil
// for os.Getenv) and checks the result.
func LoadConfig(file string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := DefaultConfig()
	var b []byte
	name := file
	if file != "" {
		var err error
		if b, err = os.ReadFile(file); err != nil {
			return cfg, fmt.Errorf("cannot read the config file: %w", err)
		}
	} else if j := getenv(EnvConfigJSON); j != "" {
		b, name = []byte(j), "$"+EnvConfigJSON
	}
	if b != nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %v (see the field list in the classview package documentation)", name, err)
		}
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Check()
}

// applyEnv fills empty fields from the environment, as HubOAuth does.
func (c *Config) applyEnv(getenv func(string) string) error {
	fill := func(field *string, env, def string) {
		if *field == "" {
			*field = getenv(env)
		}
		if *field == "" {
			*field = def
		}
	}
	name := getenv(EnvServiceName)
	if name == "" {
		name = DefaultServiceName
	}
	fill(&c.Prefix, EnvServicePrefix, "/services/"+name+"/")
	c.Prefix = hub.NormalizePrefix(c.Prefix)
	fill(&c.HubAPIURL, EnvAPIURL, "")
	c.HubAPIURL = strings.TrimRight(c.HubAPIURL, "/")
	fill(&c.HubHost, EnvHost, "")
	fill(&c.HubBaseURL, EnvBaseURL, "/")
	c.HubBaseURL = hub.NormalizePrefix(c.HubBaseURL)
	if c.Relay.URL != "" && !strings.HasSuffix(c.Relay.URL, "/") {
		c.Relay.URL += "/"
	}
	fill(&c.ClientID, EnvClientID, "service-"+name)
	fill(&c.CallbackURL, EnvCallbackURL, c.Prefix+"oauth_callback")
	if c.Listen == "" {
		if u, err := url.Parse(getenv(EnvServiceURL)); err == nil && u.Host != "" {
			c.Listen = u.Host
		} else {
			c.Listen = DefaultListen
		}
	}
	if c.AccessScopes == nil {
		raw := getenv(EnvAccessScopes)
		if raw == "" {
			raw = getenv(EnvScopesDeprecated)
		}
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &c.AccessScopes); err != nil {
				return fmt.Errorf("%s is not a JSON list of scopes (%v); JupyterHub sets it, so check the service's environment", EnvAccessScopes, err)
			}
		} else {
			c.AccessScopes = []string{"access:services!service=" + name}
		}
	}
	c.cookieHostPrefix, _ = strconv.ParseBool(getenv(EnvCookieHostPrefix))
	if pub, err := url.Parse(getenv(EnvPublicURL)); err == nil && pub.Scheme == "https" {
		c.SecureCookies = true
	}
	return nil
}

// Check reports every problem in c, saying how to fix it.
func (c *Config) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if u, err := url.Parse(c.HubAPIURL); c.HubAPIURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("the hub API URL %q is not an http(s) URL: JupyterHub sets %s for a managed service; otherwise set hub_api_url (e.g. http://127.0.0.1:8081/hub/api)", c.HubAPIURL, EnvAPIURL)
	}
	if !strings.HasPrefix(c.ClientID, "service-") {
		bad("client_id %q must start with \"service-\", as JupyterHub names a service's OAuth client (it sets %s)", c.ClientID, EnvClientID)
	}
	if cb, err := url.Parse(c.CallbackURL); err != nil || !strings.HasPrefix(cb.Path, c.Prefix) {
		bad("callback_url %q must be under the service prefix %s, e.g. %soauth_callback", c.CallbackURL, c.Prefix, c.Prefix)
	}
	if len(c.Lessons) == 0 {
		bad("lessons is empty: list the lesson notebooks (files or folders) whose questions grade the answers, e.g. \"lessons\": [\"/opt/golessons/notebooks\"]")
	}
	if _, err := filepath.Match(c.Homes, "x"); err != nil || !filepath.IsAbs(c.Homes) {
		bad("homes %q must be an absolute folder pattern such as \"/home/*\"", c.Homes)
	}
	for _, p := range c.AnswersPaths {
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") || !strings.HasSuffix(p, ".answers.json") {
			bad("answers_paths entry %q must be a path inside a home ending in .answers.json, such as \"openai-streaming.answers.json\" or \"*/openai-streaming.answers.json\"", p)
		} else if _, err := path.Match(p, "x"); err != nil {
			bad("answers_paths entry %q is not a valid pattern: %v", p, err)
		}
	}
	if c.Relay.URL != "" {
		if u, err := url.Parse(c.Relay.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("relay.url %q is not an http(s) URL such as http://127.0.0.1:10101/services/class-relay/", c.Relay.URL)
		}
	}
	for _, d := range []struct {
		name string
		d    classapi.Duration
	}{{"poll", c.Poll}, {"hub_poll", c.HubPoll}, {"session_ttl", c.SessionTTL}, {"session_recheck", c.SessionRecheck}, {"hub_timeout", c.HubTimeout}} {
		if d.d.D() <= 0 {
			bad("%s must be a positive duration such as \"2s\"", d.name)
		}
	}
	return errors.Join(errs...)
}

// authorizeURL is where the browser goes to log in: the hub's
// /hub/api/oauth2/authorize, on JUPYTERHUB_HOST when the hub has one.
func (c *Config) authorizeURL() string {
	return c.HubHost + c.HubBaseURL + "hub/api/oauth2/authorize"
}

// callbackPath is the path of the OAuth callback.
func (c *Config) callbackPath() string {
	u, _ := url.Parse(c.CallbackURL)
	return u.Path
}
