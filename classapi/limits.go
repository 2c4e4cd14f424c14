package classapi

// The defaults of Limits, the one place they are written: the relay's
// config, its documentation (class-relay -print-config prints them) and the
// class view (which asks the relay's GET health) all take them from here.
const (
	// DefaultRequestsPerMinute is Limits.RequestsPerMinute's default.
	DefaultRequestsPerMinute = 6
	// DefaultRequestsPerDay is Limits.RequestsPerDay's default.
	DefaultRequestsPerDay = 100
	// DefaultConcurrentStreams is Limits.ConcurrentStreams's default.
	DefaultConcurrentStreams = 2
	// DefaultMaxTokens is Limits.MaxTokens's default.
	DefaultMaxTokens = 2048
)

// Limits are the per-student limits of the class relay (its config's
// "student" object, and its GET health's); 0 turns a limit off.
type Limits struct {
	// RequestsPerMinute per student (default DefaultRequestsPerMinute).
	RequestsPerMinute int `json:"requests_per_minute"`
	// RequestsPerDay per student, by the relay's local day (default
	// DefaultRequestsPerDay).
	RequestsPerDay int `json:"requests_per_day"`
	// ConcurrentStreams is how many requests a student may have open at
	// once, waiting or answering, streamed or not (default
	// DefaultConcurrentStreams).
	ConcurrentStreams int `json:"concurrent_streams"`
	// MaxTokens caps max_tokens and max_completion_tokens (default
	// DefaultMaxTokens).
	MaxTokens int `json:"max_tokens"`
}

// DefaultLimits returns the limits a config leaves out.
func DefaultLimits() Limits {
	return Limits{
		RequestsPerMinute: DefaultRequestsPerMinute,
		RequestsPerDay:    DefaultRequestsPerDay,
		ConcurrentStreams: DefaultConcurrentStreams,
		MaxTokens:         DefaultMaxTokens,
	}
}
