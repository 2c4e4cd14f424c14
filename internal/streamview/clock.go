package streamview

import (
	"sync/atomic"
	"time"
)

// clock, when set, replaces time.Now for the package (tests use a fake one).
var clock atomic.Pointer[func() time.Time]

// now returns the package's time.
func now() time.Time {
	if f := clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}
