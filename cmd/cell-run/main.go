// Command cell-run runs a notebook cell's program in the classroom and, when the
// student's limits stopped it, tells the student so in plain words.
//
// In the classroom, tools/gonb-go/go builds each cell's program to BINARY.cell
// and leaves a link to cell-run at BINARY, the path GoNB runs
// (GOLESSONS_CELL_RUN, set by classroom/limits.py). cell-run then runs
// BINARY.cell with the same arguments, environment, standard input, output and
// error (GoNB's pipes and named pipes work as before), forwards the signals
// GoNB sends (its Interrupt is a SIGINT to its direct child), and exits as the
// program did (the same status, or the same signal).
//
// Each student's processes share the student's cgroup (classroom/limits.py). When
// the program was killed and the cgroup's count of out-of-memory kills grew
// (cgroup v1 memory.oom_control, v2 memory.events: oom_kill), or the student's
// processes reached their limit of processes and threads (pids.events: max),
// it writes a message from package explain/limits to standard error. It also makes
// the program the first one the out-of-memory killer stops (oom_score_adj 1000),
// so that the student's kernel and Jupyter server are kept, and it stops the
// program (and what it started) as soon as the limit of processes is reached,
// which would otherwise keep the student's kernel from starting anything.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/k12notebooks/golessons/internal/explain/limits"
)

// pollEvery is how often the limit of processes is checked while the program runs.
const pollEvery = 100 * time.Millisecond

func init() {
	// The program's Pdeathsig is tied to the thread that started it.
	runtime.LockOSThread()
	runtime.GOMAXPROCS(1)
}

func main() {
	if len(os.Args) < 1 {
		os.Exit(2)
	}
	prog := os.Args[0] + ".cell"
	// What the program starts and leaves becomes cell-run's child, not the Jupyter
	// server's (student-start reaps only at its end): cell-run reaps it, so that no dead
	// process keeps counting against the student's limit of processes.
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	cg := findCgroup()
	oomBefore, maxBefore := cg.oomKills(), cg.pidsMax()

	cmd := exec.Command(prog, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Its own process group (what it starts can be stopped with it); killed if cell-run is.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// One thread does all (GOMAXPROCS 1, no blocking wait): at the limit of processes
	// and threads, cell-run itself may not get another one.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2)
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EAGAIN) && cg.pidsMax() > maxBefore {
			fmt.Fprintln(os.Stderr, limits.Tasks(cg.pidsLimit()))
		} else {
			fmt.Fprintf(os.Stderr, "cell-run: %v\n", err)
		}
		os.Exit(127)
	}
	pid := cmd.Process.Pid
	// The first process the out-of-memory killer stops, not the kernel (raising it needs no privilege).
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid), []byte("1000"), 0)

	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	tooMany := false
	var status syscall.WaitStatus
	for {
		if wpid, err := syscall.Wait4(pid, &status, syscall.WNOHANG, nil); wpid == pid || (err != nil && err != syscall.EINTR) {
			break
		}
		select {
		case s := <-sigs:
			if s != syscall.SIGCHLD {
				_ = cmd.Process.Signal(s)
			}
		case <-tick.C:
			if !tooMany && cg.pidsEvents != "" && cg.pidsMax() > maxBefore {
				tooMany = true
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	}
	failed := !status.Exited() || status.ExitStatus() != 0
	if !tooMany && failed && cg.pidsMax() > maxBefore {
		tooMany = true // e.g. Go's "failed to create new OS thread" before the next look
	}
	switch {
	case tooMany:
		_ = syscall.Kill(-pid, syscall.SIGKILL) // what it started, too
		reap(3 * time.Second)
		fmt.Fprintln(os.Stderr, "\n"+limits.Tasks(cg.pidsLimit()))
	case status.Signaled() && status.Signal() == syscall.SIGKILL && cg.oomKills() > oomBefore:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		reap(3 * time.Second)
		fmt.Fprintln(os.Stderr, "\n"+limits.Memory(cg.memoryLimit()))
	default:
		reap(0) // only those already ended
	}
	if status.Signaled() {
		sig := status.Signal()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(100 * time.Millisecond)
		os.Exit(128 + int(sig))
	}
	os.Exit(status.ExitStatus())
}

const prSetChildSubreaper = 36

// reap waits for cell-run's children that have ended (the program's leftovers, which
// became its children), for up to wait while some are left; those still running
// after it go on without cell-run.
func reap(wait time.Duration) {
	deadline := time.Now().Add(wait)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case err == syscall.EINTR || pid > 0:
			continue
		case err != nil: // ECHILD: none left
			return
		case time.Now().After(deadline):
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cgroup holds the files of this process's cgroups that tell of its limits.
type cgroup struct {
	memoryEvents, memoryLimitFile string // v1 memory.oom_control or v2 memory.events; limit_in_bytes or memory.max
	pidsEvents, pidsLimitFile     string
}

// findCgroup finds the student's cgroup files: where the hub said they are
// (GOLESSONS_CGROUP_VERSION, GOLESSONS_CGROUP_MEMORY and GOLESSONS_CGROUP_PIDS,
// classroom/limits.py: no parsing, a cell starts sooner), else from
// /proc/self/cgroup and /proc/self/mountinfo.
func findCgroup() cgroup {
	var cg cgroup
	switch v, mem, pids := os.Getenv("GOLESSONS_CGROUP_VERSION"), os.Getenv("GOLESSONS_CGROUP_MEMORY"), os.Getenv("GOLESSONS_CGROUP_PIDS"); v {
	case "1":
		if mem != "" {
			cg.memoryEvents, cg.memoryLimitFile = filepath.Join(mem, "memory.oom_control"), filepath.Join(mem, "memory.limit_in_bytes")
		}
		if pids != "" {
			cg.pidsEvents, cg.pidsLimitFile = filepath.Join(pids, "pids.events"), filepath.Join(pids, "pids.max")
		}
		return cg
	case "2":
		if mem != "" {
			cg.memoryEvents, cg.memoryLimitFile = filepath.Join(mem, "memory.events"), filepath.Join(mem, "memory.max")
		}
		if pids != "" {
			cg.pidsEvents, cg.pidsLimitFile = filepath.Join(pids, "pids.events"), filepath.Join(pids, "pids.max")
		}
		return cg
	}
	mine := map[string]string{}
	for _, line := range strings.Split(readFile("/proc/self/cgroup"), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			mine[""] = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c != "" {
				mine[c] = parts[2]
			}
		}
	}
	v1 := map[string]string{} // controller -> its directory
	v2 := ""
	sc := bufio.NewScanner(strings.NewReader(readFile("/proc/self/mountinfo")))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, p := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(p) < 3 {
			continue
		}
		switch p[0] {
		case "cgroup2":
			if path, ok := mine[""]; ok && v2 == "" {
				v2 = under(f[4], f[3], path)
			}
		case "cgroup":
			for _, c := range strings.Split(p[2], ",") {
				if path, ok := mine[c]; ok && (c == "memory" || c == "pids") {
					v1[c] = under(f[4], f[3], path)
				}
			}
		}
	}
	if d, ok := v1["memory"]; ok {
		cg.memoryEvents, cg.memoryLimitFile = filepath.Join(d, "memory.oom_control"), filepath.Join(d, "memory.limit_in_bytes")
	} else if v2 != "" && exists(filepath.Join(v2, "memory.events")) {
		cg.memoryEvents, cg.memoryLimitFile = filepath.Join(v2, "memory.events"), filepath.Join(v2, "memory.max")
	}
	if d, ok := v1["pids"]; ok {
		cg.pidsEvents, cg.pidsLimitFile = filepath.Join(d, "pids.events"), filepath.Join(d, "pids.max")
	} else if v2 != "" && exists(filepath.Join(v2, "pids.events")) {
		cg.pidsEvents, cg.pidsLimitFile = filepath.Join(v2, "pids.events"), filepath.Join(v2, "pids.max")
	}
	if !exists(cg.pidsEvents) {
		cg.pidsEvents = ""
	}
	return cg
}

// under is the directory of cgroup path in a hierarchy mounted at mount whose root is root.
func under(mount, root, path string) string {
	if root != "/" && (path == root || strings.HasPrefix(path, root+"/")) {
		path = strings.TrimPrefix(path, root)
	}
	return filepath.Join(mount, path)
}

func (c cgroup) oomKills() int64 { return field(c.memoryEvents, "oom_kill") }
func (c cgroup) pidsMax() int64  { return field(c.pidsEvents, "max") }

func (c cgroup) memoryLimit() int64 {
	n := number(c.memoryLimitFile)
	if n >= 1<<60 { // v1's "no limit"
		return 0
	}
	return n
}

func (c cgroup) pidsLimit() int64 { return number(c.pidsLimitFile) }

// field is the number after key in a "key value" lines file (0 when missing).
func field(path, key string) int64 {
	if path == "" {
		return 0
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(" ")); ok && string(k) == key {
			n, _ := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			return n
		}
	}
	return 0
}

// number is a file's number; 0 when missing or "max".
func number(path string) int64 {
	if path == "" {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(readFile(path)), 10, 64)
	return n
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func exists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
