package relay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"
)

// env returns a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaultsAndEnv(t *testing.T) {
	cfg, err := LoadConfig("", env(map[string]string{
		EnvHubAPIURL: "http://127.0.0.1:8081/hub/api", EnvServicePrefix: "/services/class-relay/",
		EnvServiceURL: "http://127.0.0.1:10101", envStateDirectory: "/var/lib/class-relay:/other",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:10101" || cfg.Prefix != "/services/class-relay/" || cfg.StateDir != "/var/lib/class-relay" {
		t.Errorf("from the environment: %+v", cfg)
	}
	if cfg.Student != classapi.DefaultLimits() || cfg.Queue.MaxWait.D() != 3*time.Minute || cfg.Upstream.RequestsPerMinute != autoRPM ||
		cfg.Identity.TTL.D() != 45*time.Second || !cfg.LogRequests || !cfg.Conversations.Keep || cfg.Conversations.RetentionDays != 30 {
		t.Errorf("defaults: %+v", cfg)
	}

	cfg, err = LoadConfig("", env(map[string]string{EnvHubAPIURL: "http://hub/hub/api"}))
	if err != nil || cfg.Listen != defaultListen || cfg.Prefix != "/" || cfg.StateDir != defaultStateDir {
		t.Errorf("without JupyterHub's variables: %+v %v", cfg, err)
	}
	if _, err := LoadConfig("", env(nil)); err == nil || !strings.Contains(err.Error(), EnvHubAPIURL) {
		t.Errorf("no hub URL: %v", err)
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "relay.json")
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	cfg, err := LoadConfig(write(`{
		"hub_api_url": "http://127.0.0.1:8081/hub/api",
		"prefix": "services/class-relay",
		"upstream": {"requests_per_minute": 18, "allowed_models": ["*:free"], "timeout": 300},
		"student": {"requests_per_minute": 4, "max_tokens": 0},
		"queue": {"keepalive": "5s"}
	}`), env(map[string]string{EnvServicePrefix: "/ignored/"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Prefix != "/services/class-relay/" || cfg.Upstream.RequestsPerMinute != 18 || cfg.Student.RequestsPerMinute != 4 ||
		cfg.Student.MaxTokens != 0 || cfg.Student.RequestsPerDay != classapi.DefaultRequestsPerDay || cfg.Queue.KeepAlive.D() != 5*time.Second ||
		cfg.Upstream.Timeout.D() != 5*time.Minute {
		t.Errorf("file config: %+v", cfg)
	}
	for body, want := range map[string]string{
		`{"hub_api_url":"http://h/hub/api","studnet":{}}`:                              `unknown field "studnet"`,
		`{"hub_api_url":"http://h/hub/api","queue":{"max_wait":"soon"}}`:               `"soon" is not a duration`,
		`{"hub_api_url":"http://h/hub/api","student":{"requests_per_day":-1}}`:         "student.requests_per_day must not be negative",
		`{"hub_api_url":"ftp://h"}`:                                                    "not an http(s) URL",
		`{"hub_api_url":"http://h/hub/api","upstream":{"base_url":"localhost:11434"}}`: "upstream.base_url",
		`{"hub_api_url":"http://h/hub/api"`:                                            "config file",
	} {
		if _, err := LoadConfig(write(body), env(nil)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.json"), env(nil)); err == nil || !strings.Contains(err.Error(), "cannot read the config file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDefaultConfigRoundTrips(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(p, b, 0o600)
	cfg, err := LoadConfig(p, env(map[string]string{EnvHubAPIURL: "http://h/hub/api"}))
	if err != nil {
		t.Fatalf("the printed defaults do not load: %v\n%s", err, b)
	}
	if cfg.Queue != DefaultConfig().Queue || cfg.Student != DefaultConfig().Student {
		t.Errorf("round trip changed %+v", cfg)
	}
}

func TestReadUpstreamKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	os.WriteFile(file, []byte(teacherKey+"\n"), 0o644)
	cfg := DefaultConfig()
	cfg.Upstream.KeyFile = file
	_, err := ReadUpstreamKey(cfg, env(nil))
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+file) || strings.Contains(err.Error(), teacherKey) {
		t.Errorf("readable key file: %v", err)
	}
	os.Chmod(file, 0o600)
	if key, err := ReadUpstreamKey(cfg, env(nil)); err != nil || key.Reveal() != teacherKey {
		t.Errorf("private key file: %v", err)
	}
	os.WriteFile(file, []byte("two words"), 0o600)
	if _, err := ReadUpstreamKey(cfg, env(nil)); err == nil || strings.Contains(err.Error(), "two words") {
		t.Errorf("bad key file: %v", err)
	}
	cfg.Upstream.KeyFile = filepath.Join(dir, "missing")
	if _, err := ReadUpstreamKey(cfg, env(nil)); err == nil || !strings.Contains(err.Error(), "upstream.key_file") {
		t.Errorf("missing key file: %v", err)
	}
	cfg.Upstream.KeyFile = ""
	if key, err := ReadUpstreamKey(cfg, env(map[string]string{DefaultKeyEnv: " " + teacherKey + " "})); err != nil || key.Reveal() != teacherKey {
		t.Errorf("key from the environment: %v", err)
	}
	if key, _ := ReadUpstreamKey(cfg, env(nil)); key != "" {
		t.Error("a key without any set")
	}
}

func TestResolvedUpstream(t *testing.T) {
	cfg := DefaultConfig()
	for _, c := range []struct {
		base string
		key  hub.Secret
		rpm  int
		want string
		wRPM int
	}{
		{"", teacherKey, autoRPM, defaultOpenRouterURL, 20},
		{"", "", autoRPM, "", 0},
		{"http://localhost:11434/v1/", "", autoRPM, "http://localhost:11434/v1", 0},
		{"https://openrouter.ai/api/v1", teacherKey, 0, "https://openrouter.ai/api/v1", 0},
		{"http://litellm:4000/v1", teacherKey, 30, "http://litellm:4000/v1", 30},
	} {
		cfg.Upstream.BaseURL, cfg.Upstream.RequestsPerMinute = c.base, c.rpm
		if base, rpm := cfg.resolvedUpstream(c.key); base != c.want || rpm != c.wRPM {
			t.Errorf("%q key=%v rpm=%d: %q %d, want %q %d", c.base, c.key != "", c.rpm, base, rpm, c.want, c.wRPM)
		}
	}
}
