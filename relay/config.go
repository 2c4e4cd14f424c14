package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"
)

// Environment variables the relay reads. JupyterHub sets the JUPYTERHUB_ ones
// for a managed service (an entry of c.JupyterHub.services with a command).
const (
	// EnvConfig names the config file when -config is not given.
	EnvConfig = "CLASS_RELAY_CONFIG"
	// EnvHubAPIURL is the hub's REST API, e.g. http://127.0.0.1:8081/hub/api.
	EnvHubAPIURL = hub.EnvAPIURL
	// EnvHubToken is the relay's own hub API token.
	EnvHubToken = hub.EnvAPIToken
	// EnvServicePrefix is the URL path prefix the hub proxy routes to the
	// service, e.g. /services/class-relay/.
	EnvServicePrefix = hub.EnvServicePrefix
	// EnvServiceURL is the address the hub expects the service at, e.g.
	// http://127.0.0.1:10101.
	EnvServiceURL = hub.EnvServiceURL
	// envStateDirectory is systemd's state directory, used when state_dir is "".
	envStateDirectory = "STATE_DIRECTORY"
)

// Defaults of Config; see the package documentation for every field.
const (
	defaultListen          = "127.0.0.1:8765"
	defaultStateDir        = "class-relay-state"
	defaultOpenRouterURL   = "https://openrouter.ai/api/v1"
	defaultOpenRouterRPM   = 20
	defaultMaxWait         = 3 * time.Minute
	defaultKeepAlive       = 10 * time.Second
	defaultMaxWaiting      = 500
	defaultIdentityTTL     = 45 * time.Second
	defaultIdentityInvalid = 5 * time.Second
	defaultIdentityEntries = 1024
	defaultUsageFlush      = 10 * time.Second
	defaultUpstreamTimeout = 10 * time.Minute
	defaultHubTimeout      = 5 * time.Second
	defaultMaxRequestBytes = 1 << 20
	defaultSweepEvery      = time.Hour
)

// DefaultKeyEnv is the variable holding the teacher's key when neither
// upstream.key_file nor upstream.key_env is set.
const DefaultKeyEnv = "OPENROUTER_API_KEY"

// autoRPM in Upstream.RequestsPerMinute means defaultOpenRouterRPM when the
// upstream is OpenRouter and no limit otherwise.
const autoRPM = -1

// Config is the relay's config file, JSON. Every field is optional; the
// package documentation lists each with its default.
type Config struct {
	// Listen is the relay's address, host:port ("" → the host:port of
	// JUPYTERHUB_SERVICE_URL, else defaultListen).
	Listen string `json:"listen"`
	// Prefix is the URL path the relay serves under ("" →
	// JUPYTERHUB_SERVICE_PREFIX, else "/").
	Prefix string `json:"prefix"`
	// HubAPIURL is JupyterHub's REST API ("" → JUPYTERHUB_API_URL; required).
	HubAPIURL string `json:"hub_api_url"`
	// StateDir holds usage.json, settings.json and conversations/ ("" → $STATE_DIRECTORY,
	// else defaultStateDir).
	StateDir string `json:"state_dir"`
	// Upstream says where requests go.
	Upstream Upstream `json:"upstream"`
	// Student holds the per-student limits.
	Student classapi.Limits `json:"student"`
	// Queue configures the class-wide fair queue.
	Queue QueueCfg `json:"queue"`
	// Identity configures the cache of hub identities.
	Identity IdentityCache `json:"identity_cache"`
	// RequiredScopes, when set, are scopes every student token must carry,
	// e.g. "access:services!service=class-relay" (default: none).
	RequiredScopes []string `json:"required_scopes"`
	// UsageFlush is how often usage.json is saved (default defaultUsageFlush).
	UsageFlush classapi.Duration `json:"usage_flush"`
	// Conversations says whether and how long the class's exchanges are
	// kept for the teacher.
	Conversations ConversationsCfg `json:"conversations"`
	// LogRequests logs one line per request (default true).
	LogRequests bool `json:"log_requests"`
	// MaxRequestBytes bounds a request body (default defaultMaxRequestBytes).
	MaxRequestBytes int64 `json:"max_request_bytes"`
	// HubTimeout bounds one question to the hub (default defaultHubTimeout).
	HubTimeout classapi.Duration `json:"hub_timeout"`
}

// Upstream says where requests go and how fast.
type Upstream struct {
	// BaseURL is the OpenAI-compatible base URL ("" → defaultOpenRouterURL
	// with a key, the in-process offline provider without).
	BaseURL string `json:"base_url"`
	// KeyFile is a file holding only the teacher's key, mode 0600.
	KeyFile string `json:"key_file"`
	// KeyEnv names the variable holding the key when KeyFile is ""
	// (default DefaultKeyEnv).
	KeyEnv string `json:"key_env"`
	// RequestsPerMinute is the class-wide limit; autoRPM (the default) means
	// defaultOpenRouterRPM for OpenRouter and no limit otherwise; 0 means no limit.
	RequestsPerMinute int `json:"requests_per_minute"`
	// MaxConcurrent bounds upstream requests at once (default 0: no bound).
	MaxConcurrent int `json:"max_concurrent"`
	// Timeout bounds one upstream request, stream included (default
	// defaultUpstreamTimeout).
	Timeout classapi.Duration `json:"timeout"`
	// AllowedModels are model names or patterns with * (default: any model).
	AllowedModels []string `json:"allowed_models"`
	// Headers are added to every upstream request (e.g. X-Title).
	Headers map[string]string `json:"headers"`
}

// ConversationsCfg says whether and how long the class's exchanges
// (messages and answers) are kept in the state directory for the teacher.
type ConversationsCfg struct {
	// Keep keeps them (default true); false keeps none, and the teacher
	// sees only the counts.
	Keep bool `json:"keep"`
	// RetentionDays is how many days they are kept (default
	// DefaultRetentionDays); a day's file is deleted after that.
	RetentionDays int `json:"retention_days"`
	// SweepEvery is how often old days are looked for (default
	// defaultSweepEvery; they are also looked for at start).
	SweepEvery classapi.Duration `json:"sweep_every"`
}

// DefaultRetentionDays is conversations.retention_days's default.
const DefaultRetentionDays = 30

// QueueCfg configures the class-wide fair queue.
type QueueCfg struct {
	// MaxWait is the longest a request waits for a turn (default defaultMaxWait).
	MaxWait classapi.Duration `json:"max_wait"`
	// KeepAlive is the interval of waiting comments (default defaultKeepAlive).
	KeepAlive classapi.Duration `json:"keepalive"`
	// MaxWaiting bounds the requests waiting (default defaultMaxWaiting; 0: no
	// bound).
	MaxWaiting int `json:"max_waiting"`
}

// IdentityCache configures the cache of hub identities.
type IdentityCache struct {
	// TTL is how long an identity is trusted without asking (default
	// defaultIdentityTTL).
	TTL classapi.Duration `json:"ttl"`
	// InvalidTTL is how long a refused token stays refused (default
	// defaultIdentityInvalid).
	InvalidTTL classapi.Duration `json:"invalid_ttl"`
	// Entries bounds the cache (default defaultIdentityEntries).
	Entries int `json:"entries"`
}

// DefaultConfig returns the configuration used for fields a config file
// leaves out.
func DefaultConfig() Config {
	return Config{
		StateDir: "",
		Upstream: Upstream{
			KeyEnv:            DefaultKeyEnv,
			RequestsPerMinute: autoRPM,
			Timeout:           classapi.Duration(defaultUpstreamTimeout),
		},
		Student: classapi.DefaultLimits(),
		Queue: QueueCfg{
			MaxWait:    classapi.Duration(defaultMaxWait),
			KeepAlive:  classapi.Duration(defaultKeepAlive),
			MaxWaiting: defaultMaxWaiting,
		},
		Identity: IdentityCache{
			TTL:        classapi.Duration(defaultIdentityTTL),
			InvalidTTL: classapi.Duration(defaultIdentityInvalid),
			Entries:    defaultIdentityEntries,
		},
		UsageFlush: classapi.Duration(defaultUsageFlush),
		Conversations: ConversationsCfg{Keep: true, RetentionDays: DefaultRetentionDays,
			SweepEvery: classapi.Duration(defaultSweepEvery)},
		LogRequests:     true,
		MaxRequestBytes: defaultMaxRequestBytes,
		HubTimeout:      classapi.Duration(defaultHubTimeout),
	}
}

// LoadConfig reads the JSON config file at file ("" means defaults only) over
// DefaultConfig, fills the fields left empty from the environment (getenv,
// nil for os.Getenv) and checks the result. Unknown fields are errors, so a
// typing mistake is not silently ignored.
func LoadConfig(file string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := DefaultConfig()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return cfg, fmt.Errorf("cannot read the config file: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config file %s: %v (see the field list in the relay package documentation)", file, err)
		}
	}
	cfg.applyEnv(getenv)
	return cfg, cfg.check()
}

// applyEnv fills empty fields from JupyterHub's service environment.
func (c *Config) applyEnv(getenv func(string) string) {
	if c.Prefix == "" {
		c.Prefix = getenv(EnvServicePrefix)
	}
	if c.HubAPIURL == "" {
		c.HubAPIURL = getenv(EnvHubAPIURL)
	}
	if c.Listen == "" {
		if u, err := url.Parse(getenv(EnvServiceURL)); err == nil && u.Host != "" {
			c.Listen = u.Host
		} else {
			c.Listen = defaultListen
		}
	}
	if c.StateDir == "" {
		c.StateDir = getenv(envStateDirectory)
		if i := strings.IndexByte(c.StateDir, ':'); i >= 0 { // systemd may list several
			c.StateDir = c.StateDir[:i]
		}
		if c.StateDir == "" {
			c.StateDir = defaultStateDir
		}
	}
	c.Prefix = hub.NormalizePrefix(c.Prefix)
}

// check reports the first problem in c, saying how to fix it.
func (c *Config) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.HubAPIURL == "" {
		bad("the hub API URL is not set: JupyterHub sets %s for a managed service; otherwise set hub_api_url in the config (e.g. http://127.0.0.1:8081/hub/api)", EnvHubAPIURL)
	} else if u, err := url.Parse(c.HubAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("hub_api_url %q is not an http(s) URL like http://127.0.0.1:8081/hub/api", c.HubAPIURL)
	}
	if c.Upstream.BaseURL != "" {
		if u, err := url.Parse(c.Upstream.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("upstream.base_url %q is not an http(s) URL like https://openrouter.ai/api/v1", c.Upstream.BaseURL)
		}
	}
	for _, p := range c.Upstream.AllowedModels {
		if strings.TrimSpace(p) == "" {
			bad("upstream.allowed_models has an empty entry; list model names such as \"openai/gpt-oss-120b:free\" or patterns such as \"*:free\"")
		}
	}
	if c.Upstream.RequestsPerMinute < autoRPM {
		bad("upstream.requests_per_minute must be -1 (auto), 0 (no limit) or positive")
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"upstream.max_concurrent", c.Upstream.MaxConcurrent}, {"student.requests_per_minute", c.Student.RequestsPerMinute},
		{"student.requests_per_day", c.Student.RequestsPerDay}, {"student.concurrent_streams", c.Student.ConcurrentStreams},
		{"student.max_tokens", c.Student.MaxTokens}, {"queue.max_waiting", c.Queue.MaxWaiting},
		{"identity_cache.entries", c.Identity.Entries},
	} {
		if f.v < 0 {
			bad("%s must not be negative (0 turns the limit off)", f.name)
		}
	}
	if c.Queue.KeepAlive.D() <= 0 || c.Queue.MaxWait.D() <= 0 {
		bad("queue.keepalive and queue.max_wait must be positive durations such as \"10s\"")
	}
	if c.Upstream.Timeout.D() <= 0 || c.HubTimeout.D() <= 0 {
		bad("upstream.timeout and hub_timeout must be positive durations such as \"10m\" and \"5s\"")
	}
	if c.Conversations.RetentionDays < 1 {
		bad("conversations.retention_days must be 1 or more (default %d); to keep no conversations set conversations.keep to false", DefaultRetentionDays)
	}
	if c.Conversations.SweepEvery.D() <= 0 {
		bad("conversations.sweep_every must be a positive duration such as \"1h\"")
	}
	if c.MaxRequestBytes <= 0 {
		bad("max_request_bytes must be positive (default %d)", defaultMaxRequestBytes)
	}
	return errors.Join(errs...)
}

// ReadUpstreamKey returns the teacher's key: the contents of
// upstream.key_file when set (which must not be readable by group or others),
// else the environment variable upstream.key_env. It returns "" when neither
// is set; the relay then uses the offline provider or a keyless server.
func ReadUpstreamKey(c Config, getenv func(string) string) (hub.Secret, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if f := c.Upstream.KeyFile; f != "" {
		info, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("cannot read the key file: %w (check upstream.key_file in the config)", err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("the key file %s can be read by other users (mode %v); make it private with: chmod 600 %s", f, info.Mode().Perm(), f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("cannot read the key file: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return "", fmt.Errorf("the key file %s must hold just the key on one line (it starts with sk-or- for OpenRouter)", f)
		}
		return hub.Secret(key), nil
	}
	if c.Upstream.KeyEnv != "" {
		return hub.Secret(strings.TrimSpace(getenv(c.Upstream.KeyEnv))), nil
	}
	return "", nil
}

// resolvedUpstream returns the base URL and class-wide requests per minute
// for key; base is "" when the offline provider should answer.
func (c *Config) resolvedUpstream(key hub.Secret) (base string, rpm int) {
	base = strings.TrimRight(c.Upstream.BaseURL, "/")
	if base == "" && key != "" {
		base = defaultOpenRouterURL
	}
	rpm = c.Upstream.RequestsPerMinute
	if rpm == autoRPM {
		rpm = 0
		if u, err := url.Parse(base); err == nil && strings.HasSuffix(u.Hostname(), "openrouter.ai") {
			rpm = defaultOpenRouterRPM
		}
	}
	return base, rpm
}
