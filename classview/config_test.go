package classview

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigFromTheHubsEnvironment(t *testing.T) {
	env := map[string]string{
		EnvAPIURL: "http://127.0.0.1:8081/hub/api/", EnvClientID: "service-class-view", EnvServiceName: "class-view",
		EnvServicePrefix: "/services/class-view/", EnvServiceURL: "http://127.0.0.1:10102",
		EnvCallbackURL: "/services/class-view/oauth_callback", EnvBaseURL: "/",
		EnvScopesDeprecated: `["access:services!service=class-view"]`,
		EnvConfigJSON:       `{"lessons": ["/opt/golessons/src/notebooks"], "relay": {"url": "http://127.0.0.1:10101/services/class-relay"}, "poll": "3s"}`,
	}
	cfg, err := LoadConfig("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:10102" || cfg.HubAPIURL != "http://127.0.0.1:8081/hub/api" || cfg.Prefix != "/services/class-view/" ||
		cfg.callbackPath() != "/services/class-view/oauth_callback" || cfg.authorizeURL() != "/hub/api/oauth2/authorize" ||
		len(cfg.AccessScopes) != 1 || cfg.Relay.URL != "http://127.0.0.1:10101/services/class-relay/" || cfg.Poll.D() != 3*time.Second || cfg.Homes != "/home/*" {
		t.Errorf("config %+v", cfg)
	}
	env[EnvHost], env[EnvBaseURL], env[EnvCookieHostPrefix], env[EnvPublicURL] = "https://hub.school.example", "/class/", "1", "https://hub.school.example/class/"
	cfg, err = LoadConfig("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	jar := newCookieJar(&cfg)
	if cfg.authorizeURL() != "https://hub.school.example/class/hub/api/oauth2/authorize" || !cfg.SecureCookies ||
		jar.name(cfg.ClientID) != "__Host-service-class-view" || jar.path != "/" || !jar.secure {
		t.Errorf("behind https with __Host- cookies: %+v %+v", cfg, jar)
	}
}

func TestConfigErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(k string) string {
		return map[string]string{EnvAPIURL: "http://127.0.0.1:8081/hub/api"}[k]
	}
	for text, want := range map[string]string{
		`{"lessons": ["x"], "lesons": 1}`:       `unknown field "lesons"`,
		`{}`:                                    "lessons is empty",
		`{"lessons": ["x"], "homes": "home/*"}`: "absolute folder pattern",
		`{"lessons": ["x"], "answers_paths": ["../bob/x.answers.json"]}`:  "a path inside a home",
		`{"lessons": ["x"], "answers_paths": ["notebooks/x.ipynb"]}`:      "ending in .answers.json",
		`{"lessons": ["x"], "poll": "0s"}`:                                `poll must be a positive duration`,
		`{"lessons": ["x"], "client_id": "class-view"}`:                   `must start with "service-"`,
		`{"lessons": ["x"], "relay": {"url": "127.0.0.1:10101"}}`:         "relay.url",
		`{"lessons": ["x"], "callback_url": "/elsewhere/oauth_callback"}`: "must be under the service prefix",
	} {
		_, err := LoadConfig(write(text), env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
	if _, err := LoadConfig(write(`{"lessons": ["x"]}`), func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "JUPYTERHUB_API_URL") {
		t.Errorf("no hub API URL: %v", err)
	}
}
