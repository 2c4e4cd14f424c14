package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/relay"
)

const (
	studentToken = "student-hub-token-0000000001"
	serviceToken = "relay-service-token-0000000009"
	teacherKey   = "fake-or-v1-TEACHERKEY-cmdtest-0123456789"
)

// hubEnv starts a fake hub knowing studentToken and sets the variables
// JupyterHub gives a managed service.
func hubEnv(t *testing.T) {
	hub := hubtest.NewHub(t)
	hub.Student(studentToken, "alice")
	t.Setenv(relay.EnvHubAPIURL, hub.APIURL())
	t.Setenv(relay.EnvHubToken, serviceToken)
	t.Setenv(relay.EnvServicePrefix, "/services/class-relay/")
	t.Setenv(relay.EnvServiceURL, "http://127.0.0.1:0")
	t.Setenv(relay.EnvConfig, "")
	t.Setenv(relay.DefaultKeyEnv, "")
	t.Setenv("OFFLINE_TOKENS_PER_SECOND", "-1")
	t.Setenv("OFFLINE_THINK_TIME", "0")
}

// writeConfig writes a config file with a state directory in t's temp dir.
func writeConfig(t *testing.T, extra string) string {
	dir := t.TempDir()
	p := filepath.Join(dir, "relay.json")
	body := `{"state_dir":` + jsonString(filepath.Join(dir, "state")) + extra + `}`
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRunServesAndStops(t *testing.T) {
	hubEnv(t)
	cfgFile := writeConfig(t, "")
	cmd := hubtest.StartCommand(t, &interrupt, run, "-config", cfgFile)
	base := cmd.WaitFor(t, regexp.MustCompile(`Students' OPENAI_BASE_URL: (\S+/services/class-relay/v1) `))
	stdout, stderr := &cmd.Stdout, &cmd.Stderr
	if !strings.Contains(stdout.String(), "offline sample provider") {
		t.Errorf("stdout does not say the offline provider answers: %q", stdout.String())
	}
	if status, body := hubtest.Chat(t, base, studentToken); status != 200 || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Errorf("chat through the relay: %d %q", status, body)
	}
	if code := cmd.Stop(t); code != 0 {
		t.Errorf("exit %d; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Stopped; usage saved.") {
		t.Errorf("stdout %q", stdout.String())
	}
	usage, err := os.ReadFile(filepath.Join(filepath.Dir(cfgFile), "state", relay.UsageFile))
	if err != nil || !strings.Contains(string(usage), `"alice"`) {
		t.Errorf("usage file: %v %s", err, usage)
	}
	for _, s := range []string{studentToken, serviceToken} {
		if strings.Contains(stdout.String()+stderr.String(), s) {
			t.Errorf("a token was printed")
		}
	}
}

func TestRunCheckAndKeyFile(t *testing.T) {
	hubEnv(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte(teacherKey), 0o640)
	cfgFile := writeConfig(t, `,"upstream":{"key_file":`+jsonString(keyFile)+`}`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-config", cfgFile, "-check"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "chmod 600 "+keyFile) {
		t.Errorf("group-readable key: exit %d, stderr %q", code, stderr.String())
	}
	os.Chmod(keyFile, 0o600)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-config", cfgFile, "-check"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "https://openrouter.ai/api/v1 with the teacher's key (hidden)") ||
		!strings.Contains(stdout.String(), "at most 20 requests a minute") {
		t.Errorf("-check: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), teacherKey) {
		t.Error("the key was printed")
	}
}

func TestRunPrintConfigAndUsageErrors(t *testing.T) {
	hubEnv(t)
	var stdout bytes.Buffer
	if code := run([]string{"-print-config"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p := filepath.Join(t.TempDir(), "printed.json")
	os.WriteFile(p, stdout.Bytes(), 0o600)
	if _, err := relay.LoadConfig(p, nil); err != nil {
		t.Errorf("the printed config does not load: %v", err)
	}
	for _, args := range [][]string{{"-nosuchflag"}, {"extra"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	t.Setenv(relay.EnvHubAPIURL, "")
	var stderr bytes.Buffer
	if code := run([]string{"-check"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), relay.EnvHubAPIURL) {
		t.Errorf("no hub URL: exit %d, stderr %q", code, stderr.String())
	}
}

func TestExampleConfigLoads(t *testing.T) {
	hubEnv(t)
	cfg, err := relay.LoadConfig("relay.example.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upstream.KeyFile == "" || cfg.Prefix != "/services/class-relay/" || cfg.Student.MaxTokens != classapi.DefaultMaxTokens || cfg.Student.RequestsPerDay != 50 {
		t.Errorf("example config: %+v", cfg)
	}
}
