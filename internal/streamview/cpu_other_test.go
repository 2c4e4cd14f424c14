//go:build !unix

package streamview

import "time"

// processCPU returns 0 where getrusage is missing: the render figures then
// show no CPU, the other measurements still hold.
func processCPU() time.Duration { return 0 }
