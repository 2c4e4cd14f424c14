package streamview

import (
	"testing"
	"time"
)

// A pacer lets an update through at once after a quiet spell, then one per
// gap, and never a message that would make a second of more than
// maxMessagesPerSecond.
func TestPacer(t *testing.T) {
	ms := func(n int) time.Time { return tNow.Add(time.Duration(n) * time.Millisecond) }
	p := pacer{gap: 55 * time.Millisecond}
	if got := p.earliest(ms(0), 1); !got.Equal(ms(0)) {
		t.Fatalf("a new pacer holds the first update until %v", got.Sub(tNow))
	}
	p.started(ms(0))
	p.message(ms(0))
	if got := p.earliest(ms(10), 1); !got.Equal(ms(55)) {
		t.Errorf("10 ms after an update: next at %v, want 55ms", got.Sub(tNow))
	}
	// Fill the window: 19 messages in the first 990 ms (two at 0).
	p.message(ms(0))
	for i := 1; i < maxMessagesPerSecond-1; i++ {
		p.started(ms(55 * i))
		p.message(ms(55 * i))
	}
	if got := p.earliest(ms(990), 1); !got.Equal(ms(1000)) {
		t.Errorf("with %d messages in the last second, one more at %v, want 1s", maxMessagesPerSecond, got.Sub(tNow))
	}
	if got := p.earliest(ms(990), 2); !got.Equal(ms(1000)) {
		t.Errorf("two more at %v, want 1s (both at 0 leave the window then)", got.Sub(tNow))
	}
	if got := p.earliest(ms(990), 3); !got.Equal(ms(1055)) {
		t.Errorf("three more at %v, want 1.055s", got.Sub(tNow))
	}
}

// wait sleeps until there is room, but never past its deadline.
func TestPacerWaitStopsAtDeadline(t *testing.T) {
	var slept time.Duration
	sleep = func(d time.Duration) { slept += d }
	defer func() { sleep = time.Sleep }()
	p := pacer{gap: time.Second}
	p.started(tNow)
	p.message(tNow)
	at := p.wait(tNow, 1, tNow.Add(200*time.Millisecond))
	if !at.Equal(tNow.Add(200*time.Millisecond)) || slept != 200*time.Millisecond {
		t.Errorf("wait returned %v after sleeping %v, want the 200 ms deadline", at.Sub(tNow), slept)
	}
	slept = 0
	if at := p.wait(tNow.Add(2*time.Second), 1, tNow.Add(3*time.Second)); !at.Equal(tNow.Add(2*time.Second)) || slept != 0 {
		t.Errorf("with room, wait returned %v after sleeping %v, want at once", at.Sub(tNow), slept)
	}
}
