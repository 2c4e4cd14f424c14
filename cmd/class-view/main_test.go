package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/internal/lessontest"
)

// setup writes a lesson, a home and a config, points the JupyterHub
// variables at a fake hub that lists one user, and returns the config file.
func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	lessontest.WriteNotebook(t, filepath.Join(dir, "notebooks", "openai-streaming.ipynb"), lessontest.Quiz(lessontest.Freeform))
	must(t, os.MkdirAll(filepath.Join(dir, "home", "alice"), 0o755))
	hub := hubtest.NewHub(t)
	hub.ServiceToken("svc")
	hub.User(`{"kind":"user","name":"alice","admin":false,"servers":{}}`)
	for k, v := range map[string]string{"JUPYTERHUB_API_URL": hub.APIURL(), "JUPYTERHUB_API_TOKEN": "svc",
		"JUPYTERHUB_SERVICE_PREFIX": "/services/class-view/", "JUPYTERHUB_CLIENT_ID": "service-class-view", "CLASS_VIEW_CONFIG": ""} {
		t.Setenv(k, v)
	}
	cfg, _ := json.Marshal(map[string]any{"lessons": []string{filepath.Join(dir, "notebooks")}, "homes": filepath.Join(dir, "home", "*")})
	file := filepath.Join(dir, "class-view.json")
	must(t, os.WriteFile(file, cfg, 0o644))
	return file
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	file := setup(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-config", file, "-check"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, w := range []string{"Class view at /services/class-view/ (hub OAuth client service-class-view", "Lessons: 1 questions",
		"Read the class: 1 students (0 online), 1 questions, 0 answers files, 0 warnings"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
		}
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	file := setup(t)
	cases := []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"-nope"}, nil, 2, "usage: class-view"},
		{[]string{"extra"}, nil, 2, "unexpected argument"},
		{[]string{"-check"}, nil, 1, "lessons is empty: list the lesson notebooks"},
		{[]string{"-config", file + ".missing"}, nil, 1, "cannot read the config file"},
		{[]string{"-config", file, "-check"}, map[string]string{"JUPYTERHUB_API_TOKEN": ""}, 1, "JUPYTERHUB_API_TOKEN is not set"},
		{[]string{"-config", file, "-check"}, map[string]string{"JUPYTERHUB_API_URL": ""}, 1, "hub_api_url"},
		{[]string{"-config", file, "-check"}, map[string]string{"JUPYTERHUB_CLIENT_ID": "class-view"}, 1, `must start with "service-"`},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v %v: exit %d, %q; want %d and %q", c.args, c.env, code, stderr.String(), c.code, c.want)
		}
		file = setup(t) // restore the environment
	}
}

// The command serves until interrupted, then stops cleanly.
func TestServeAndStop(t *testing.T) {
	file := setup(t)
	cmd := hubtest.StartCommand(t, &interrupt, run, "-config", file, "-listen", "127.0.0.1:0")
	base := cmd.WaitFor(t, regexp.MustCompile(`Listening on (http://[0-9.:]+)/services/class-view/`))
	resp, err := http.Get(base + "/services/class-view/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
		t.Errorf("health: %d %q", resp.StatusCode, body)
	}
	if code := cmd.Stop(t); code != 0 || !strings.Contains(cmd.Stdout.String(), "Stopped.") {
		t.Errorf("exit %d\n%s\n%s", code, cmd.Stdout.String(), cmd.Stderr.String())
	}
}
