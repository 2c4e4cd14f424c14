package classapi

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration written in the relay's and the class view's
// JSON configs as a Go duration string ("45s", "3m") or a number of seconds.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "45s", "3m" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration; write it like \"45s\" or \"3m\"", s)
		}
		*d = Duration(v)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s is not a duration; write it like \"45s\" or a number of seconds", b)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}
