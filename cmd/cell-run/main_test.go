package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCgroupFilesFromTheHub(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"memory.oom_control":    "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
		"memory.limit_in_bytes": "1073741824\n",
		"pids.events":           "max 7\n",
		"pids.max":              "512\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOLESSONS_CGROUP_VERSION", "1")
	t.Setenv("GOLESSONS_CGROUP_MEMORY", dir)
	t.Setenv("GOLESSONS_CGROUP_PIDS", dir)
	cg := findCgroup()
	if cg.oomKills() != 3 || cg.pidsMax() != 7 || cg.memoryLimit() != 1<<30 || cg.pidsLimit() != 512 {
		t.Errorf("got oom %d, max %d, memory %d, pids %d", cg.oomKills(), cg.pidsMax(), cg.memoryLimit(), cg.pidsLimit())
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if cg.memoryLimit() != 0 {
		t.Errorf("v1's no limit read as %d", cg.memoryLimit())
	}
	// v2: memory.events and memory.max.
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOLESSONS_CGROUP_VERSION", "2")
	if cg := findCgroup(); cg.oomKills() != 2 || cg.pidsMax() != 7 {
		t.Errorf("v2: oom %d, max %d", cg.oomKills(), cg.pidsMax())
	}
}

func TestUnder(t *testing.T) {
	for _, c := range []struct{ mount, root, path, want string }{
		{"/sys/fs/cgroup/memory", "/", "/process_api/abc", "/sys/fs/cgroup/memory/process_api/abc"},
		{"/sys/fs/cgroup", "/ctr", "/ctr/golessons-students/ada", "/sys/fs/cgroup/golessons-students/ada"},
		{"/sys/fs/cgroup", "/", "/", "/sys/fs/cgroup"},
	} {
		if got := under(c.mount, c.root, c.path); got != c.want {
			t.Errorf("under(%q, %q, %q) = %q, want %q", c.mount, c.root, c.path, got, c.want)
		}
	}
}
