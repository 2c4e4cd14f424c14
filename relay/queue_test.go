package relay

import (
	"fmt"
	"testing"
	"time"
)

// ready reports whether t has its turn.
func ready(t *ticket) bool {
	select {
	case <-t.Ready():
		return true
	default:
		return false
	}
}

// enqueue adds a named ticket per entry of students.
func enqueue(t *testing.T, q *fairQueue, students ...string) map[string]*ticket {
	t.Helper()
	out := map[string]*ticket{}
	count := map[string]int{}
	for _, s := range students {
		count[s]++
		tk, err := q.Enqueue(s)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%s%d", s, count[s])] = tk
	}
	return out
}

// grantOrder frees one turn at a time and returns the order of the tickets
// that got them.
func grantOrder(t *testing.T, q *fairQueue, tickets map[string]*ticket) []string {
	t.Helper()
	var order []string
	done := map[string]bool{}
	for len(order) < len(tickets) {
		allow(q, 1)
		n := len(order)
		for name, tk := range tickets {
			if !done[name] && ready(tk) {
				done[name] = true
				order = append(order, name)
			}
		}
		if len(order) != n+1 {
			t.Fatalf("one free turn granted %d tickets", len(order)-n)
		}
	}
	return order
}

func TestQueueRoundRobin(t *testing.T) {
	q := newFairQueue(&manualGate{}, 0, nil)
	tk := enqueue(t, q, "A", "A", "A", "A", "B", "B", "C")
	want := map[string]int{"A1": 0, "B1": 1, "C1": 2, "A2": 3, "B2": 4, "A3": 5, "A4": 6}
	for name, ahead := range want {
		if got := tk[name].Ahead(); got != ahead {
			t.Errorf("%s: %d ahead, want %d", name, got, ahead)
		}
	}
	got := fmt.Sprint(grantOrder(t, q, tk))
	if want := "[A1 B1 C1 A2 B2 A3 A4]"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if q.Waiting() != 0 {
		t.Errorf("%d still waiting", q.Waiting())
	}
}

func TestQueueLateStudentNotStarved(t *testing.T) {
	q := newFairQueue(&manualGate{}, 0, nil)
	tk := enqueue(t, q, "A", "A", "A", "A", "A")
	allow(q, 1) // A1 starts
	late := enqueue(t, q, "B")["B1"]
	if got := late.Ahead(); got != 1 {
		t.Errorf("B1 arriving behind four of A's: %d ahead, want 1 (A2, then B1)", got)
	}
	if got := tk["A3"].Ahead(); got != 2 {
		t.Errorf("A3: %d ahead, want 2", got)
	}
	allow(q, 2)
	if !ready(late) || ready(tk["A3"]) {
		t.Error("B1 did not get the turn after A2")
	}
}

func TestQueueCloseWaitingAndGranted(t *testing.T) {
	g := &manualGate{}
	q := newFairQueue(g, 0, nil)
	tk := enqueue(t, q, "A", "B", "B")
	if tk["B1"].Ahead() != 1 || tk["B2"].Ahead() != 2 {
		t.Fatalf("B1 %d, B2 %d ahead", tk["B1"].Ahead(), tk["B2"].Ahead())
	}
	<-tk["B1"].Changed() // the enqueue signalled B1's place
	tk["A1"].Close()     // a student cancels while waiting
	if q.Waiting() != 2 || tk["B1"].Ahead() != 0 || tk["B2"].Ahead() != 1 {
		t.Errorf("after A1 left: %d waiting, B1 %d, B2 %d ahead", q.Waiting(), tk["B1"].Ahead(), tk["B2"].Ahead())
	}
	select {
	case <-tk["B1"].Changed():
	default:
		t.Error("B1 was not told its place changed")
	}
	tk["A1"].Close() // twice is fine
	allow(q, 1)
	if !ready(tk["B1"]) || ready(tk["A1"]) {
		t.Fatal("B1 is next after A1 left")
	}
	tk["B1"].Close()
	tk["B1"].Close()
	if g.released != 1 {
		t.Errorf("gate released %d times, want 1", g.released)
	}
}

func TestQueueFull(t *testing.T) {
	q := newFairQueue(&manualGate{}, 2, nil)
	enqueue(t, q, "A", "B")
	if _, err := q.Enqueue("C"); err != errQueueFull {
		t.Errorf("third: %v, want errQueueFull", err)
	}
}

func TestQueueImmediateTurn(t *testing.T) {
	q := newFairQueue(&manualGate{free: 1}, 0, nil)
	tk, _ := q.Enqueue("A")
	if !ready(tk) {
		t.Error("a free turn was not granted at once")
	}
}

func TestWindowGate(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	g := newWindowGate(2, 0)
	for i := 0; i < 2; i++ {
		if ok, _ := g.Take(t0.Add(time.Duration(i) * 10 * time.Second)); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if ok, retry := g.Take(t0.Add(30 * time.Second)); ok || retry != 30*time.Second {
		t.Errorf("third in a minute: %v, retry %v, want false, 30s", ok, retry)
	}
	if ok, _ := g.Take(t0.Add(time.Minute)); !ok {
		t.Error("a minute after the first: refused")
	}
	if ok, retry := g.Take(t0.Add(time.Minute + time.Second)); ok || retry != 9*time.Second {
		t.Errorf("window: %v, %v, want false, 9s", ok, retry)
	}

	c := newWindowGate(0, 1)
	if ok, _ := c.Take(t0); !ok {
		t.Fatal("first refused")
	}
	if ok, retry := c.Take(t0); ok || retry != 0 {
		t.Errorf("second at once: %v %v", ok, retry)
	}
	c.Release()
	if ok, _ := c.Take(t0); !ok {
		t.Error("after release: refused")
	}
	c.Release()
	c.PauseUntil(t0.Add(5 * time.Second))
	if ok, retry := c.Take(t0); ok || retry != 5*time.Second {
		t.Errorf("paused: %v %v", ok, retry)
	}
}

func TestQueueTimerGrantsLater(t *testing.T) {
	q := newFairQueue(newWindowGate(0, 0), 0, nil)
	q.PauseUntil(time.Now().Add(30 * time.Millisecond))
	tk, _ := q.Enqueue("A")
	if ready(tk) {
		t.Fatal("granted while paused")
	}
	select {
	case <-tk.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the pause ended but no turn came")
	}
}
